"""Vulnerability scanning: the built-in indexer's throughput in MB of layers per second, and the
per-layer reuse when a second image shares the first one's base.

    .venv/bin/python bench/scan_throughput.py                 # SQLite in a temporary data dir
    .venv/bin/python bench/scan_throughput.py --postgres      # a fresh PostgreSQL database, dropped after
    .venv/bin/python bench/scan_throughput.py --base-mb 128 --app-mb 32
    .venv/bin/python bench/run.py --secscan --rows ''   # the same, from the main benchmark

Layers are made here, gzip level 6 as podman pushes them: a base of --base-mb uncompressed
(half compressible text, half random bytes, in files of 4-256 KiB, plus a dpkg status file of
500 packages), and an application layer of --app-mb with 200 Python dist-info directories. They
are stored through the storage driver with their blob rows, and the worker scans image one
(base + app) and then image two (the same base + another app) as a push would queue them, with
the OSV fixture of tests/secscan imported. ``index_mb_per_s`` counts the layers' compressed
bytes over the worker's time; ``second_image_speedup`` is the first scan's time over the second's.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import random
import shutil
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
# bench/scan_throughput.py (which runs this) has the app's name: the app's package must come first.
sys.path[:] = (
    [str(ROOT)] + [entry for entry in sys.path if Path(entry or ".").resolve() != BENCH] + [str(BENCH)]
)

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CONFIG_TYPE = "application/vnd.oci.image.config.v1+json"
LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip"
MB = 1_000_000


def _args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--postgres", action="store_true", help="a fresh PostgreSQL database instead of SQLite"
    )
    parser.add_argument("--base-mb", type=int, default=64, help="the shared base layer, uncompressed")
    parser.add_argument("--app-mb", type=int, default=16, help="each application layer, uncompressed")
    return parser.parse_args(argv)


def _environment(workdir: Path, database_url: str) -> None:
    config = workdir / "config.yaml"
    config.write_text("{}\n")
    os.environ.update(
        QUAY_CONFIG=str(config),
        QUAY_DATA_DIR=str(workdir),
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="quaysite.settings",
        QUAY_LOG_LEVEL="WARNING",
    )


def _layer(seed: int, megabytes: int, extra: dict[str, bytes]) -> bytes:
    rng = random.Random(seed)
    words = [bytes(rng.choice(b"abcdefghijklmnop") for _ in range(8)) for _ in range(512)]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        written, index = 0, 0
        while written < megabytes * MB:
            size = rng.randint(4, 256) * 1024
            if index % 2:
                data = rng.randbytes(size)
            else:
                data = b" ".join(rng.choice(words) for _ in range(size // 9))
            info = tarfile.TarInfo(f"usr/share/bench{seed}/{index // 100}/file{index}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
            written += len(data)
            index += 1
        for path, data in extra.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return gzip.compress(buffer.getvalue(), compresslevel=6, mtime=0)


def _base_files() -> dict[str, bytes]:
    status = "\n".join(
        f"Package: pkg{n}\nStatus: install ok installed\nVersion: 1.{n}-1\nSource: src{n % 50}\n"
        for n in range(500)
    )
    return {
        "etc/os-release": b'ID=debian\nVERSION_ID="12"\n',
        "var/lib/dpkg/status": status.encode()
        + b"\nPackage: openssl\nStatus: install ok installed\nVersion: 3.0.11-1~deb12u1\n",
    }


def _app_files(seed: int) -> dict[str, bytes]:
    return {
        f"usr/lib/python3/dist-packages/lib{seed}x{n}-1.{n}.dist-info/METADATA": (
            f"Metadata-Version: 2.1\nName: lib{seed}x{n}\nVersion: 1.{n}\n".encode()
        )
        for n in range(200)
    }


def _store(repository, layers: list[bytes], tag: str):  # noqa: ANN001, ANN202 - Django models, set up late
    from registry.models import Blob, BlobPlacement, Manifest, ManifestBlob
    from registry.storage import storage_for
    from registry.storage.paths import blob_path
    from secscan.models import ManifestSecurity

    config = json.dumps({"architecture": "amd64", "os": "linux", "note": tag}).encode()
    descriptors = []
    for data in [config, *layers]:
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        blob, created = Blob.objects.get_or_create(digest=digest, defaults={"size": len(data)})
        if created:
            with storage_for("local").writer(blob_path(digest)) as writer:
                writer.write(data)
                writer.commit()
            BlobPlacement.objects.create(blob=blob, location="local")
        descriptors.append((blob, digest, len(data)))
    body = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": CONFIG_TYPE, "digest": descriptors[0][1], "size": descriptors[0][2]},
            "layers": [{"mediaType": LAYER_TYPE, "digest": d, "size": s} for _, d, s in descriptors[1:]],
        }
    ).encode()
    manifest = Manifest.objects.create(
        repository=repository,
        digest="sha256:" + hashlib.sha256(body).hexdigest(),
        media_type=OCI_MANIFEST,
        config_media_type=CONFIG_TYPE,
        content=body,
        size=len(body),
    )
    ManifestBlob.objects.bulk_create(
        [ManifestBlob(manifest=manifest, blob=blob) for blob, _, _ in descriptors]
    )
    ManifestSecurity.objects.create(manifest=manifest)
    return manifest


def _scan() -> tuple[float, object]:
    from secscan.worker import security_worker_run

    started = time.perf_counter()
    run = security_worker_run()
    return time.perf_counter() - started, run


def measure(args: argparse.Namespace) -> dict:
    from django.core.management import call_command

    from orgs.services import user_create
    from registry.models import Repository
    from secscan.models import ManifestSecurity
    from secscan.vulndata import vulndata_import

    call_command("migrate", verbosity=0)
    vulndata_import(path=ROOT / "tests" / "secscan" / "osv")
    owner = user_create(username="bench", password="bench-password-1")
    assert owner.namespace is not None
    repository = Repository.objects.create(namespace=owner.namespace, name="app")
    started = time.perf_counter()
    base = _layer(1, args.base_mb, _base_files())
    apps = [_layer(2, args.app_mb, _app_files(2)), _layer(3, args.app_mb, _app_files(3))]
    build_s = time.perf_counter() - started
    first = _store(repository, [base, apps[0]], "one")
    first_s, first_run = _scan()
    second = _store(repository, [base, apps[1]], "two")
    second_s, second_run = _scan()
    statuses = set(
        ManifestSecurity.objects.filter(manifest__in=[first, second]).values_list("status", flat=True)
    )
    first_bytes = len(base) + len(apps[0])
    return {
        "layers_built_s": round(build_s, 1),
        "first_image_mb": round(first_bytes / MB, 1),
        "first_image_uncompressed_mb": args.base_mb + args.app_mb,
        "first_scan_s": round(first_s, 2),
        "index_mb_per_s": round(first_bytes / MB / first_s, 1),
        "index_uncompressed_mb_per_s": round((args.base_mb + args.app_mb) / first_s, 1),
        "second_scan_s": round(second_s, 2),
        "second_layers_reused": second_run.layers_reused,  # type: ignore[attr-defined]
        "second_layers_indexed": second_run.layers_indexed,  # type: ignore[attr-defined]
        "second_image_speedup": round(first_s / second_s, 1),
        "packages_found": len(ManifestSecurity.objects.get(manifest=first).packages),
        "all_scanned": statuses == {"scanned"} and first_run.scanned == 1,  # type: ignore[attr-defined]
    }


def run(argv: list[str] | None = None) -> dict:
    args = _args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="quay-bench-secscan-"))
    from servers import bench_database

    database_url, drop = bench_database(args.postgres)
    _environment(workdir, database_url)
    try:
        import django

        django.setup()
        result = {"database": "postgresql" if args.postgres else "sqlite", **measure(args)}
    finally:
        from django.db import connections

        connections.close_all()
        if drop is not None:
            drop()
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def markdown(result: dict) -> str:
    return "\n".join(
        [
            "| " + " | ".join(result) + " |",
            "|" + "---|" * len(result),
            "| " + " | ".join(str(value) for value in result.values()) + " |",
        ]
    )


def main() -> None:
    result = run()
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"secscan-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(result, indent=2))
    print(markdown(result))


if __name__ == "__main__":
    main()
