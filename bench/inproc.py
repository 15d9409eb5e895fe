"""In-process profile of our request path: Django's WSGI application called directly (all the
middleware, views, ORM, SQLite or PostgreSQL and local storage; no HTTP server), the requests a
client sends for the rows of bench/run.py, with per request kind:

- wall and CPU ms per request (time.perf_counter / time.process_time, one thread),
- SQL statements per request (and the statements of one example request, with -v),
- a cProfile of the whole sequence, top functions by own time and by cumulative time.

    .venv/bin/python bench/inproc.py                  # 200 small layers + 2000 manifest GET/blob HEAD
    .venv/bin/python bench/inproc.py --postgres -v    # on a fresh PostgreSQL database, print the SQL

Where bench/run.py says we are slower, this says which request and which functions cost.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import hashlib
import io
import json
import os
import pstats
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
USER, PASSWORD = "benchuser", "bench-password-1234"
HOST = "127.0.0.1:8080"


def _setup(postgres: bool) -> tuple[str, list]:
    workdir = tempfile.mkdtemp(prefix="quay-bench-inproc-")
    config = Path(workdir) / "config.yaml"
    config.write_text("{}\n")
    os.environ.update(QUAY_DATA_DIR=str(Path(workdir) / "data"), QUAY_CONFIG=str(config), DATABASE_URL="")
    cleanup = []
    if postgres:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from servers import _pg_create

        url, drop = _pg_create()
        os.environ["DATABASE_URL"] = url
        cleanup.append(drop)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quaysite.settings")
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    return workdir, cleanup


class App:
    def __init__(self) -> None:
        from quaysite.wsgi import application

        self.application = application

    def call(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        chunked: bool = False,
    ) -> tuple[int, dict[str, str], bytes]:
        path_info, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path_info,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8080",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": HOST,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        if chunked:
            environ["HTTP_TRANSFER_ENCODING"] = "chunked"
        elif body or method in ("POST", "PUT", "PATCH"):
            environ["CONTENT_LENGTH"] = str(len(body))
        for key, value in (headers or {}).items():
            name = key.upper().replace("-", "_")
            environ[name if name in ("CONTENT_TYPE",) else f"HTTP_{name}"] = value
        status_holder: list = []

        def start_response(
            status: str, response_headers: list[tuple[str, str]], exc_info: object = None
        ) -> Callable[[bytes], object]:
            status_holder.append((status, response_headers))
            return _write_unused

        result = self.application(environ, start_response)
        try:
            data = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close:
                close()
        status, response_headers = status_holder[0]
        return int(status.split()[0]), {k.lower(): v for k, v in response_headers}, data


def _write_unused(data: bytes) -> None:
    """The write() start_response must return; Django's handler returns its body instead."""
    raise NotImplementedError("this in-process server takes the body from the returned iterable")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--layers", type=int, default=200)
    parser.add_argument("--layer-bytes", type=int, default=4096)
    parser.add_argument("--reads", type=int, default=2000, help="manifest GETs and blob HEADs each")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument(
        "--callees", action="append", default=[], help="also print what this function calls (e.g. upload_put)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print the SQL of one request per kind")
    args = parser.parse_args()

    workdir, cleanup = _setup(args.postgres)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0, interactive=False)
        from orgs.services import user_create

        user_create(username=USER, password=PASSWORD)
        app = App()

        stats: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        examples: dict[str, list[str]] = {}
        current: list[str] = []

        def counter(execute, sql, params, many, context):
            current.append(sql)
            return execute(sql, params, many, context)

        def timed(kind: str, *call_args, expect: int, **call_kwargs) -> tuple[int, dict, bytes]:
            current.clear()
            wall, cpu = time.perf_counter(), time.process_time()
            with connection.execute_wrapper(counter):
                status, headers, body = app.call(*call_args, **call_kwargs)
            entry = stats[kind]
            entry["n"] += 1
            entry["wall"] += time.perf_counter() - wall
            entry["cpu"] += time.process_time() - cpu
            entry["queries"] += len(current)
            examples.setdefault(kind, list(current))
            if status != expect:
                raise RuntimeError(f"{kind}: {status} (wanted {expect}): {body[:300]!r}")
            return status, headers, body

        basic = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()

        def scenario(repo: str) -> float:
            """Token, the push of an image of small layers, then manifest GETs and blob HEADs."""
            _, _, body = timed(
                "token (basic auth)",
                "GET",
                f"/v2/auth?service={HOST}&scope=repository:{repo}:pull,push",
                headers={"Authorization": basic},
                expect=200,
            )
            auth = {"Authorization": f"Bearer {json.loads(body)['token']}"}
            layers = [os.urandom(args.layer_bytes) for _ in range(args.layers)]

            def push(data: bytes) -> str:
                digest = "sha256:" + hashlib.sha256(data).hexdigest()
                timed("HEAD blob (missing)", "HEAD", f"/v2/{repo}/blobs/{digest}", headers=auth, expect=404)
                _, headers, _ = timed(
                    "POST upload", "POST", f"/v2/{repo}/blobs/uploads/", headers=auth, expect=202
                )
                _, headers, _ = timed(
                    "PATCH chunked",
                    "PATCH",
                    headers["location"],
                    body=data,
                    headers=auth,
                    chunked=True,
                    expect=202,
                )
                timed(
                    "PUT ?digest=", "PUT", f"{headers['location']}?digest={digest}", headers=auth, expect=201
                )
                return digest

            started = time.perf_counter()
            digests = [push(layer) for layer in layers]
            config = json.dumps(
                {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers"}}
            ).encode()
            config_digest = push(config)
            manifest = json.dumps(
                {
                    "schemaVersion": 2,
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": {
                        "mediaType": "application/vnd.oci.image.config.v1+json",
                        "digest": config_digest,
                        "size": len(config),
                    },
                    "layers": [
                        {
                            "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                            "digest": d,
                            "size": len(x),
                        }
                        for d, x in zip(digests, layers, strict=True)
                    ],
                }
            ).encode()
            timed(
                "PUT manifest",
                "PUT",
                f"/v2/{repo}/manifests/latest",
                body=manifest,
                headers={**auth, "Content-Type": "application/vnd.oci.image.manifest.v1+json"},
                expect=201,
            )
            push_seconds = time.perf_counter() - started
            accept = {"Accept": "application/vnd.oci.image.manifest.v1+json"}
            for _ in range(args.reads):
                timed(
                    "GET manifest",
                    "GET",
                    f"/v2/{repo}/manifests/latest",
                    headers={**auth, **accept},
                    expect=200,
                )
                timed(
                    "HEAD blob (present)", "HEAD", f"/v2/{repo}/blobs/{digests[0]}", headers=auth, expect=200
                )
            return push_seconds

        # Pass 1 measures (no profiler); pass 2, on another repository, is profiled.
        push_seconds = scenario(f"{USER}/measured")
        measured = {k: dict(v) for k, v in stats.items()}
        profiler = cProfile.Profile()
        profiler.enable()
        scenario(f"{USER}/profiled")
        profiler.disable()
        stats.clear()
        stats.update(measured)

        print(f"# In-process request costs ({'PostgreSQL' if args.postgres else 'SQLite'})\n")
        what = f"{args.layers} layers of {args.layer_bytes} bytes + config + manifest"
        print(f"push of {what}: {push_seconds:.2f} s")
        print("(times from a pass without the profiler; one thread, so wall - CPU = waiting on I/O)\n")
        print("| request | n | wall ms | CPU ms | SQL statements |")
        print("|---|---:|---:|---:|---:|")
        for kind, entry in stats.items():
            n = entry["n"]
            print(
                f"| {kind} | {int(n)} | {1000 * entry['wall'] / n:.3f} | {1000 * entry['cpu'] / n:.3f} "
                f"| {entry['queries'] / n:.1f} |"
            )
        if args.verbose:
            for kind, queries in examples.items():
                print(f"\n## SQL of one {kind}\n")
                for sql in queries:
                    print(f"- {sql[:300]}")
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(args.top)
            text = out.getvalue()
            text = text[text.find("   ncalls") :] if "   ncalls" in text else text
            print(f"\n## cProfile of the whole scenario, by {order}\n\n```\n{text.rstrip()}\n```")
        for name in args.callees:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative").print_callees(
                rf"\({name}\)"
            )
            print(f"\n## cProfile, what {name} calls\n\n```\n{out.getvalue().strip()}\n```")
    finally:
        for action in cleanup:
            try:
                from django.db import connections

                connections.close_all()
                action()
            except Exception as exc:
                print(f"cleanup failed: {exc}", file=sys.stderr)
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
