"""Notification latency: from a push's last byte to its webhook's arrival, over N pushes.

    .venv/bin/python bench/notifications.py                # 100 pushes, SQLite, gunicorn as `make run`
    .venv/bin/python bench/notifications.py --postgres     # a fresh PostgreSQL database, dropped after
    .venv/bin/python bench/notifications.py --pushes 20

The real server (embedded mode: jobs on the in-process worker thread of each gunicorn worker)
with one repository and one webhook notification to a receiver in this process on loopback
(NOTIFICATION_ALLOW_PRIVATE_TARGETS). Each push uploads a fresh layer and its config, then PUTs
the manifest under a new tag; the clock starts just before the manifest PUT's one send (its last
byte) and stops when the receiver has read the webhook for that tag; the PUT's own time (until
its 201) is printed beside it. Pushes run one after
another, so each latency is a single event's: the commit, the job hand-off, the SSRF check and
the POST. Prints the median, p95 and max in milliseconds, and how many webhooks arrived.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from httpclient import Connection  # noqa: E402
from ops import Endpoint, image_config, image_manifest, push_single_post, sha256_digest, token_get  # noqa: E402
from servers import DEFAULT_SERVER_CMD, PYTHON, ROOT, Server, start_ours  # noqa: E402

USER, PASSWORD = "bench", "bench-password-1"
REPOSITORY = f"{USER}/hooked"
WAIT_SECONDS = 30
SETUP = """
from orgs.models import User
from notifications.services import notification_create
from registry.services.repositories import repository_create
user = User.objects.get(username={user!r})
repository = repository_create(namespace_name={user!r}, name="hooked", visibility="private", actor=user)
notification_create(namespace=repository.namespace, repository=repository, event="repo_push",
                    method="webhook", config={{"url": {url!r}}}, actor=user)
"""


class Arrivals:
    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self.count = 0
        self.changed = threading.Condition()

    def record(self, body: bytes) -> None:
        now = time.monotonic()
        tag = json.loads(body)["updated_tags"][0]
        with self.changed:
            self.at.setdefault(tag, now)
            self.count += 1
            self.changed.notify_all()

    def wait(self, tag: str) -> float | None:
        with self.changed:
            self.changed.wait_for(lambda: tag in self.at, timeout=WAIT_SECONDS)
            return self.at.get(tag)


def _receiver(arrivals: Arrivals) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            arrivals.record(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _server_env(server: Server) -> dict[str, str]:
    """The environment start_ours gave the server, for a manage.py shell on its database."""
    env = {**os.environ, "QUAY_DATA_DIR": str(Path(server.workdir) / "data")}
    env["QUAY_CONFIG"] = str(Path(server.workdir) / "config.yaml")
    database = server.notes["database"]
    env["DATABASE_URL"] = (
        f"postgresql://postgres@127.0.0.1:5432/{database.split()[0]}" if "PostgreSQL" in database else ""
    )
    return env


def _push(conn: Connection, token: str, tag: str) -> tuple[float, float]:
    """Uploads a fresh layer and config, then PUTs the manifest; returns when its send began and
    when its response arrived."""
    layer = os.urandom(1024)
    layer_digest = sha256_digest(layer)
    config = image_config([layer_digest])
    push_single_post(conn, REPOSITORY, token, memoryview(layer), layer_digest)
    push_single_post(conn, REPOSITORY, token, memoryview(config), sha256_digest(config))
    manifest = image_manifest(config, [(layer_digest, len(layer))])
    started = time.monotonic()
    response = conn.request(
        "PUT",
        f"/v2/{REPOSITORY}/manifests/{tag}",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/vnd.oci.image.manifest.v1+json",
        },
        body=manifest,
    )
    if response.status != 201:
        raise RuntimeError(f"manifest PUT: HTTP {response.status}")
    return started, time.monotonic()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--postgres", action="store_true", help="a fresh PostgreSQL database instead of SQLite"
    )
    parser.add_argument("--pushes", type=int, default=100)
    args = parser.parse_args()
    # Embedded mode: the server's own worker threads deliver; the receiver is on loopback.
    os.environ.pop("REDIS_URL", None)
    os.environ["QUAY_NOTIFICATION_ALLOW_PRIVATE_TARGETS"] = "true"
    arrivals = Arrivals()
    receiver = _receiver(arrivals)
    server = start_ours(server_cmd=DEFAULT_SERVER_CMD, postgres=args.postgres, user=USER, password=PASSWORD)
    try:
        url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
        subprocess.run(
            [PYTHON, "manage.py", "shell", "-c", SETUP.format(user=USER, url=url)],
            cwd=ROOT,
            env=_server_env(server),
            check=True,
            timeout=120,
            capture_output=True,
        )
        endpoint = Endpoint(server.port, server.port, "/v2/auth", "", USER, PASSWORD)
        conn = Connection("127.0.0.1", server.port)
        token = token_get(conn, endpoint, [f"repository:{REPOSITORY}:push,pull"])
        latencies: list[float] = []
        answered: list[float] = []
        for index in range(args.pushes):
            tag = f"t{index}"
            started, answered_at = _push(conn, token, tag)
            arrived = arrivals.wait(tag)
            if arrived is None:
                raise RuntimeError(f"no webhook for {tag} within {WAIT_SECONDS} s")
            latencies.append((arrived - started) * 1000)
            answered.append((answered_at - started) * 1000)
        time.sleep(1)  # Late duplicates, if any, would arrive now.
        print(f"notifications: {args.pushes} pushes, {server.notes['database']}, {server.notes['command']}")
        print(
            f"push last byte -> webhook arrival: median {statistics.median(latencies):.1f} ms,"
            f" p95 {_percentile(latencies, 0.95):.1f} ms, max {max(latencies):.1f} ms;"
            f" webhooks received {arrivals.count} for {args.pushes} pushes"
        )
        print(f"of which the manifest PUT until its response: median {statistics.median(answered):.1f} ms")
    finally:
        server.stop()
        receiver.shutdown()


if __name__ == "__main__":
    main()
