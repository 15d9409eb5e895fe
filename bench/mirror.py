"""Mirroring one upstream repository of 50 tags that share most layers, cold and then warm:
ours (mirroring.sync.mirror_sync into a fresh database and storage) against `skopeo sync` into
a second docker-registry, what Quay runs, tag by tag. Prints seconds and the bytes the upstream
served, each as a ratio (> 1.0: ours is better), and saves JSON under bench/results/.

    .venv/bin/python bench/mirror.py                 # SQLite in a temporary data dir
    .venv/bin/python bench/mirror.py --postgres      # a fresh PostgreSQL database, dropped after
    .venv/bin/python bench/mirror.py --tags 20 --shared-mib 8 --unique-kib 256

The upstream is Debian's docker-registry (CNCF distribution 2.8.2), anonymous, on filesystem
storage, filled over HTTP before timing. Bytes are counted on the upstream's side from its
access log (response sizes of every request in the run), so both mirrors are measured alike.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers import _pg_create, free_port, stop_process, wait_http  # noqa: E402

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
SKOPEO_TIMEOUT = 600
# The access log's combined format: "GET /path HTTP/1.1" status size
ACCESS_RE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[0-9.]+" (?P<status>\d{3}) (?P<size>\d+)')


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--tags", type=int, default=50)
    parser.add_argument("--shared-layers", type=int, default=3)
    parser.add_argument("--shared-mib", type=int, default=16, help="size of each shared layer")
    parser.add_argument("--unique-kib", type=int, default=512, help="each tag's own layer")
    return parser.parse_args()


class DockerRegistry:
    def __init__(self, workdir: Path, label: str) -> None:
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        storage = workdir / f"{label}-storage"
        config = workdir / f"{label}.yml"
        config.write_text(
            "version: 0.1\nlog:\n  level: error\n"
            f"storage:\n  filesystem:\n    rootdirectory: {storage}\n"
            f"http:\n  addr: {self.host}\n"
        )
        self.log = workdir / f"{label}.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                ["docker-registry", "serve", str(config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_http(self.port, "/v2/", self.process)

    def served(self) -> tuple[int, int]:
        """(all bytes, blob bytes) the access log records so far."""
        total = blobs = 0
        for line in self.log.read_text(errors="replace").splitlines():
            match = ACCESS_RE.search(line)
            if match and match["method"] == "GET":
                total += int(match["size"])
                if "/blobs/" in match["path"]:
                    blobs += int(match["size"])
        return total, blobs

    def stop(self) -> None:
        stop_process(self.process)


def _put(url: str, data: bytes, content_type: str = "application/octet-stream", method: str = "PUT") -> str:
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.headers.get("Location", "")


def _blob_push(host: str, repository: str, data: bytes) -> dict:
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    location = _put(f"http://{host}/v2/{repository}/blobs/uploads/", b"", method="POST")
    if not location.startswith("http"):
        location = f"http://{host}{location}"
    separator = "&" if "?" in location else "?"
    _put(f"{location}{separator}digest={digest}", data)
    return {"digest": digest, "size": len(data)}


def upstream_fill(host: str, repository: str, args: argparse.Namespace) -> int:
    """Pushes the tags; returns the bytes of distinct blobs."""
    shared = [
        _blob_push(host, repository, os.urandom(args.shared_mib * 1024 * 1024))
        for _ in range(args.shared_layers)
    ]
    distinct = sum(layer["size"] for layer in shared)
    for n in range(args.tags):
        unique = _blob_push(
            host, repository, gzip.compress(os.urandom(args.unique_kib * 1024), compresslevel=1)
        )
        layers = [*shared, unique]
        config = json.dumps(
            {
                "architecture": "amd64",
                "os": "linux",
                "rootfs": {"type": "layers", "diff_ids": [x["digest"] for x in layers]},
                "n": n,
            }
        ).encode()
        config_descriptor = _blob_push(host, repository, config)
        distinct += unique["size"] + config_descriptor["size"]
        manifest = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, **config_descriptor},
            "layers": [{"mediaType": OCI_LAYER, **layer} for layer in layers],
        }
        _put(f"http://{host}/v2/{repository}/manifests/t{n:03d}", json.dumps(manifest).encode(), OCI_MANIFEST)
    return distinct


def _ours_setup(workdir: Path, database_url: str) -> None:
    config = workdir / "config.yaml"
    config.write_text("{}\n")
    os.environ.update(
        QUAY_CONFIG=str(config),
        QUAY_DATA_DIR=str(workdir / "ours"),
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="quaysite.settings",
        QUAY_LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _ours_mirror(reference: str):  # -> a MirrorSource
    from dataclasses import dataclass, field

    from orgs.models import User
    from orgs.services import organization_create, robot_create, user_create
    from registry.models import Repository
    from registry.services.repositories import repository_create

    owner = user_create(username="bench", password="bench-password-1")
    organization = organization_create(name="mirrors", creator=owner)
    robot, _ = robot_create(namespace=organization.namespace, short_name="sync", actor=owner)
    repository = repository_create(namespace_name="mirrors", name="app", visibility="private", actor=owner)
    repository.state = Repository.State.MIRROR
    repository.mirror_robot = robot.user
    repository.save(update_fields=["state", "mirror_robot"])

    @dataclass
    class Mirror:
        repository: Repository
        external_reference: str
        robot: User
        tag_glob_csv: str = "*"
        platforms: list = field(default_factory=list)
        rollback: bool = False
        verify_tls: bool = False
        unsigned_images: bool = False
        proxy: str = ""

        def credentials(self) -> None:
            return None

        def proxy_url(self) -> str:
            return self.proxy

    return Mirror(repository, reference, robot.user)


def _ours_run(mirror, upstream: DockerRegistry) -> dict:
    from mirroring.sync import mirror_sync

    before = upstream.served()
    started = time.perf_counter()
    report = mirror_sync(mirror, cancelled=lambda: False)
    seconds = time.perf_counter() - started
    after = upstream.served()
    assert report.failed_reason is None, report
    return {
        "s": round(seconds, 2),
        "bytes": after[0] - before[0],
        "blob_bytes": after[1] - before[1],
        "tags": report.tags_synced,
        "bytes_copied": report.bytes_copied,
        "bytes_skipped": report.bytes_skipped,
    }


def _skopeo_run(
    workdir: Path, upstream: DockerRegistry, destination: DockerRegistry, repository: str
) -> dict:
    policy = workdir / "policy.json"
    policy.write_text('{"default": [{"type": "insecureAcceptAnything"}]}')
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(workdir), "TMPDIR": str(workdir)}
    command = [
        "skopeo", "--policy", str(policy), "sync", "--all", "--src", "docker", "--dest", "docker",
        "--src-tls-verify=false", "--dest-tls-verify=false",
        f"{upstream.host}/{repository}", f"{destination.host}/mirror",
    ]  # fmt: skip
    before = upstream.served()
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=SKOPEO_TIMEOUT)
    seconds = time.perf_counter() - started
    after = upstream.served()
    assert result.returncode == 0, result.stderr[-2000:]
    return {"s": round(seconds, 2), "bytes": after[0] - before[0], "blob_bytes": after[1] - before[1]}


def _ratio(reference: float, ours: float) -> str:
    if ours == 0:
        return "∞" if reference else "1.00"
    return f"{reference / ours:.2f}"


def table(result: dict) -> str:
    lines = [
        "| run | ours s | skopeo sync s | s ratio | ours kB | skopeo kB | bytes ratio"
        " | ours blob kB | skopeo blob kB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for run in ("cold", "warm"):
        ours, skopeo = result["ours"][run], result["skopeo"][run]
        seconds = f"{ours['s']} | {skopeo['s']} | {_ratio(skopeo['s'], ours['s'])}"
        kilobytes = f"{ours['bytes'] / 1e3:.1f} | {skopeo['bytes'] / 1e3:.1f}"
        kilobytes += f" | {_ratio(skopeo['bytes'], ours['bytes'])}"
        blobs = f"{ours['blob_bytes'] / 1e3:.1f} | {skopeo['blob_bytes'] / 1e3:.1f}"
        lines.append(f"| {run} | {seconds} | {kilobytes} | {blobs} |")
    return "\n".join(lines)


def main() -> None:
    args = _args()
    workdir = Path(tempfile.mkdtemp(prefix="quay-bench-mirror-"))
    drop = None
    upstream = destination = None
    try:
        database_url = ""
        if args.postgres:
            database_url, drop = _pg_create()
        upstream = DockerRegistry(workdir, "upstream")
        destination = DockerRegistry(workdir, "skopeo-destination")
        distinct = upstream_fill(upstream.host, "app", args)
        _ours_setup(workdir, database_url)
        mirror = _ours_mirror(f"{upstream.host}/app")
        result = {
            "database": "postgresql" if args.postgres else "sqlite",
            "tags": args.tags,
            "distinct_blob_bytes": distinct,
            "ours": {"cold": _ours_run(mirror, upstream), "warm": _ours_run(mirror, upstream)},
            "skopeo": {
                "cold": _skopeo_run(workdir, upstream, destination, "app"),
                "warm": _skopeo_run(workdir, upstream, destination, "app"),
            },
        }
    finally:
        for server in (upstream, destination):
            if server is not None:
                server.stop()
        if drop is not None:
            from django.db import connections

            connections.close_all()
            drop()
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(result, indent=2))
    print(table(result))
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / f"mirror-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
