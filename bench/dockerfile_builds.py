"""Builds: queue-to-start latency, and our build path against the same buildah by hand.

    .venv/bin/python bench/dockerfile_builds.py                 # 5 builds, SQLite, gunicorn as `make run`
    .venv/bin/python bench/dockerfile_builds.py --postgres      # a fresh PostgreSQL database, dropped after
    .venv/bin/python bench/dockerfile_builds.py --rounds 3

The real server in its embedded default (the local executor, jobs on the in-process worker
thread). Each round uploads the same context through the filedrop API, requests a build of a
Dockerfile with a RUN step on a tiny base image (the host's dash and C library, pushed to the
server first, so no network is needed) and waits for ``complete``. Beside it, the same work by
hand in a fresh vfs root: ``buildah pull`` of the base, ``buildah bud --isolation chroot`` and
``buildah push`` of the result, timed end to end. Rounds alternate which goes first.

Printed: queue-to-start (the request's ``waiting`` to ``build-scheduled``, and to ``unpacking``:
the builder process running), both from the build's phase timestamps; our request-to-complete
against by hand, medians, and their ratio (ours / by hand: > 1.0 is our overhead).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers import DEFAULT_SERVER_CMD, PYTHON, ROOT, Server, start_ours  # noqa: E402

USER, PASSWORD = "bench", "bench-password-1"
WAIT_SECONDS = 300
BASE_FILES = {
    "/bin/dash": "/bin/sh",
    "/lib/x86_64-linux-gnu/libc.so.6": "/lib/x86_64-linux-gnu/libc.so.6",
    "/lib64/ld-linux-x86-64.so.2": "/lib64/ld-linux-x86-64.so.2",
}
SETUP = """
from orgs.models import User
from orgs.services import organization_create
from orgs.services.applications import application_create
from orgs.oauth import oauth_token_generate
from registry.services.repositories import repository_create
user = User.objects.get(username={user!r})
org = organization_create(name="benchorg", creator=user)
owned, _ = application_create(organization=org, name="bench", actor=user)
scopes = ["repo:read", "repo:write"]
_, raw = oauth_token_generate(application=owned.application, user=user, scopes=scopes, actor=user)
repository_create(namespace_name="benchorg", name="built", visibility="private", actor=user)
repository_create(namespace_name="benchorg", name="byhand", visibility="private", actor=user)
# Public: a build pulls its base anonymously unless given a pull robot.
repository_create(namespace_name="benchorg", name="base", visibility="public", actor=user)
print("TOKEN=" + raw)
"""


def _server_env(server: Server) -> dict[str, str]:
    """The environment start_ours gave the server, for a manage.py shell on its database."""
    env = {**os.environ, "QUAY_DATA_DIR": str(Path(server.workdir) / "data")}
    env["QUAY_CONFIG"] = str(Path(server.workdir) / "config.yaml")
    database = server.notes["database"]
    env["DATABASE_URL"] = (
        f"postgresql://postgres@127.0.0.1:5432/{database.split()[0]}" if "PostgreSQL" in database else ""
    )
    return env


class Tools:
    """buildah with its own vfs root, config and auth file (one per by-hand round)."""

    def __init__(self, home: Path) -> None:
        for directory in ("graph", "run", "tmp"):
            (home / directory).mkdir(parents=True, exist_ok=True)
        (home / "storage.conf").write_text(
            f'[storage]\ndriver = "vfs"\nrunroot = "{home / "run"}"\ngraphroot = "{home / "graph"}"\n'
        )
        (home / "containers.conf").write_text(
            f'[engine]\ntmp_dir = "{home / "tmp"}"\nevents_logger = "none"\ncgroup_manager = "cgroupfs"\n'
        )
        (home / "auth.json").write_text('{"auths": {}}')
        self.home = home
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            "HOME": str(home),
            "TMPDIR": str(home / "tmp"),
            "CONTAINERS_STORAGE_CONF": str(home / "storage.conf"),
            "CONTAINERS_CONF": str(home / "containers.conf"),
            "REGISTRY_AUTH_FILE": str(home / "auth.json"),
            "BUILDAH_ISOLATION": "chroot",
        }

    def run(self, *args: str) -> str:
        done = subprocess.run(args, env=self.env, cwd=self.home, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{done.stderr[-2000:]}")
        return done.stdout.strip()


class Api:
    def __init__(self, port: int, token: str) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.token = token

    def call(self, method: str, path: str, body: object = None, *, data: bytes | None = None) -> dict:
        url = path if path.startswith("http") else self.base + path
        payload = data if data is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(url, data=payload, method=method)
        if data is None:
            request.add_header("Authorization", f"Bearer {self.token}")
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=60) as response:
            raw = response.read()
        return json.loads(raw) if raw.startswith(b"{") else {}


def _context(dockerfile: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        member = tarfile.TarInfo("Dockerfile")
        member.size = len(dockerfile.encode())
        archive.addfile(member, io.BytesIO(dockerfile.encode()))
    return buffer.getvalue()


def _ours(api: Api, context: bytes, tag: str) -> dict[str, float]:
    started = time.monotonic()
    drop = api.call("POST", "/api/v1/filedrop/", {"mimeType": "application/gzip"})
    api.call("PUT", drop["url"], data=context)
    build = api.call(
        "POST", "/api/v1/repository/benchorg/built/build/", {"file_id": drop["file_id"], "docker_tags": [tag]}
    )
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        status = api.call("GET", f"/api/v1/repository/benchorg/built/build/{build['id']}/status")
        if status["phase"] in ("complete", "error", "cancelled", "expired"):
            break
        time.sleep(0.05)
    total = time.monotonic() - started
    if status["phase"] != "complete":
        raise RuntimeError(f"build {build['id']} ended {status['phase']}: {status['error']}")
    times = {phase: datetime.fromisoformat(at).timestamp() for phase, at in status["phase_times"].items()}
    return {
        "total": total,
        "to_scheduled": times["build-scheduled"] - times["waiting"],
        "to_running": times["unpacking"] - times["waiting"],
        "build_phases": times["complete"] - times["waiting"],
    }


def _by_hand(work: Path, host: str, dockerfile: str, tag: str) -> float:
    tools = Tools(work)
    (work / "context").mkdir()
    (work / "context" / "Dockerfile").write_text(dockerfile)
    started = time.monotonic()
    tools.run("buildah", "login", "--tls-verify=false", "-u", USER, "-p", PASSWORD, host)
    tools.run("buildah", "pull", "--tls-verify=false", "--quiet", f"{host}/benchorg/base:1")
    tools.run(
        "buildah",
        "bud",
        "--isolation",
        "chroot",
        "--pull=false",
        "-t",
        "localhost/byhand",
        str(work / "context"),
    )
    tools.run(
        "buildah", "push", "--tls-verify=false", "localhost/byhand", f"docker://{host}/benchorg/byhand:{tag}"
    )
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--postgres", action="store_true", help="a fresh PostgreSQL database instead of SQLite"
    )
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ.pop("REDIS_URL", None)
    server = start_ours(server_cmd=DEFAULT_SERVER_CMD, postgres=args.postgres, user=USER, password=PASSWORD)
    scratch = Path(tempfile.mkdtemp(prefix="quay-bench-builds-"))
    try:
        output = subprocess.run(
            [PYTHON, "manage.py", "shell", "-c", SETUP.format(user=USER)],
            cwd=ROOT, env=_server_env(server), check=True, timeout=120, capture_output=True, text=True,
        ).stdout  # fmt: skip
        token = next(line[6:] for line in output.splitlines() if line.startswith("TOKEN="))
        host = f"127.0.0.1:{server.port}"
        base_tools = Tools(scratch / "base")
        base_tools.run("buildah", "login", "--tls-verify=false", "-u", USER, "-p", PASSWORD, host)
        container = base_tools.run("buildah", "from", "scratch")
        for source, target in BASE_FILES.items():
            base_tools.run("buildah", "copy", container, source, target)
        base_tools.run("buildah", "commit", "--quiet", container, "localhost/base")
        base_tools.run(
            "buildah", "push", "--tls-verify=false", "localhost/base", f"docker://{host}/benchorg/base:1"
        )
        dockerfile = f"FROM {host}/benchorg/base:1\nRUN echo built > /built.txt\n"
        api = Api(server.port, token)
        ours: list[dict[str, float]] = []
        by_hand: list[float] = []
        for index in range(args.rounds):
            # Alternating which goes first, so neither always meets a warm page cache.
            if index % 2 == 0:
                ours.append(_ours(api, _context(dockerfile), f"r{index}"))
            by_hand.append(_by_hand(scratch / f"hand{index}", host, dockerfile, f"r{index}"))
            if index % 2 == 1:
                ours.append(_ours(api, _context(dockerfile), f"r{index}"))

        def median(key: str) -> float:
            return statistics.median(round_[key] for round_ in ours)

        print(f"builds: {args.rounds} rounds, {server.notes['database']}, {server.notes['command']}")
        print(
            f"queue-to-start: waiting -> build-scheduled median {median('to_scheduled') * 1000:.0f} ms, "
            f"-> builder running (unpacking) median {median('to_running') * 1000:.0f} ms"
        )
        ours_total, hand_total = median("total"), statistics.median(by_hand)
        print(
            f"request to complete (upload, queue, unpack, pull, bud, push; polled at 50 ms): median "
            f"{ours_total:.2f} s (phases {median('build_phases'):.2f} s); the same buildah by hand "
            f"(login, pull, bud, push): median {hand_total:.2f} s; "
            f"ratio ours/by hand {ours_total / hand_total:.2f}"
        )
    finally:
        server.stop()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
