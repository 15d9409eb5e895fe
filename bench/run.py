"""Benchmarks our registry against the reference (CNCF distribution 2.8.2) in one run.

Both servers run side by side on 127.0.0.1 with token auth; every row is measured on ours and
then on the reference, and printed as a Markdown table where every ratio is oriented so that
> 1.0 means ours is better. See bench/README.md.

    .venv/bin/python bench/run.py                 # gunicorn (as make run) + SQLite, about 2-3 minutes
    .venv/bin/python bench/run.py --postgres      # ours on a fresh PostgreSQL database
    .venv/bin/python bench/run.py --granian       # ours under granian (pip install granian)
    .venv/bin/python bench/run.py --rows 5,6 --profile 5,6   # py-spy profile of ours
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent))

from httpclient import Connection  # noqa: E402
from loadgen import WrkResult, run_wrk, wrk_available  # noqa: E402
from ops import (  # noqa: E402
    ACCEPT,
    Endpoint,
    bearer,
    blob_get,
    expect,
    image_config,
    image_manifest,
    manifest_put,
    push_chunked,
    push_post_put,
    push_single_post,
    sha256_digest,
    single_post_supported,
    token_get,
)
from pullers import run_pullers  # noqa: E402
from pyload import LoadResult, run_pyload  # noqa: E402
from servers import (  # noqa: E402
    DEFAULT_SERVER_CMD,
    GRANIAN_CMD,
    PYTHON,
    ROOT,
    MemoryPeak,
    Server,
    cpu_by_pid,
    cpu_seconds,
    machine_busy_seconds,
    own_cpu_seconds,
    process_tree,
    start_ours,
    start_reference,
)

_T = TypeVar("_T")
RESULTS_DIR = Path(__file__).resolve().parent / "results"
MB = 1_000_000
MiB = 1024 * 1024
USER, PASSWORD = "benchuser", "bench-password-1234"
BIG_REPO, SMALL_REPO, MANY_REPO, MANY_PAR_REPO = (
    f"{USER}/big",
    f"{USER}/small",
    f"{USER}/many",
    f"{USER}/many-parallel",
)
ALL_ROWS = ["1", "1b", "2", "3", "4", "4b", "5", "6", "7", "8", "9"]
# Tags row 8 lists: SMALL_REPO's v1 plus these, all on the same manifest.
LISTED_TAGS = 100


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- test data -----------------------------------------------------------------------------------


class BigBlob:
    """One random buffer; variant i differs in its first 16 bytes, so every push is a new digest
    while the client never allocates or copies another 64 MiB."""

    def __init__(self, size: int) -> None:
        self.buffer = bytearray(os.urandom(size))
        self.view = memoryview(self.buffer)
        self.digests: dict[int, str] = {}

    def _prefix(self, variant: int) -> bytes:
        return hashlib.sha256(f"variant-{variant}".encode()).digest()[:16]

    def prepare(self, variants: list[int]) -> None:
        for variant in variants:
            self.buffer[:16] = self._prefix(variant)
            self.digests[variant] = sha256_digest(self.view)

    def select(self, variant: int) -> tuple[memoryview, str]:
        self.buffer[:16] = self._prefix(variant)
        return self.view, self.digests[variant]


@dataclass
class SmallImage:
    layers: list[bytes]
    config: bytes = b""
    manifest: bytes = b""
    layer_digests: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.layer_digests = [sha256_digest(layer) for layer in self.layers]
        self.config = image_config(self.layer_digests)
        self.manifest = image_manifest(
            self.config, [(d, len(layer)) for d, layer in zip(self.layer_digests, self.layers, strict=True)]
        )


# -- targets -------------------------------------------------------------------------------------


@dataclass
class Target:
    server: Server
    endpoint: Endpoint
    single_post: bool = False
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.server.label

    def conn(self) -> Connection:
        return Connection("127.0.0.1", self.endpoint.port, timeout=120)

    def token(self, repo: str, actions: str = "pull,push") -> str:
        return self.scoped_token(f"repository:{repo}:{actions}")

    def scoped_token(self, scope: str) -> str:
        if scope not in self.tokens:
            conn = Connection("127.0.0.1", self.endpoint.token_port)
            try:
                self.tokens[scope] = token_get(conn, self.endpoint, [scope])
            finally:
                conn.close()
        return self.tokens[scope]

    def cpu_mark(self) -> dict[int, float]:
        """CPU seconds per process of the server (workers and, with --postgres, its database backends)."""
        return cpu_by_pid(self.server.server_pids())

    def cpu_since(self, mark: dict[int, float]) -> float:
        now = cpu_by_pid(self.server.server_pids())
        return sum(value - mark.get(pid, 0.0) for pid, value in now.items())


def target_for(server: Server) -> Target:
    if server.token_port is not None:
        endpoint = Endpoint(
            port=server.port,
            token_port=server.token_port,
            token_path="/token",
            service=server.service,
            user=server.user,
            password=server.password,
        )
    else:
        endpoint = Endpoint(
            port=server.port,
            token_port=server.port,
            token_path="/v2/auth",
            service=f"127.0.0.1:{server.port}",
            user=server.user,
            password=server.password,
        )
    return Target(server=server, endpoint=endpoint)


def push_image(target: Target, repo: str, image: SmallImage, tag: str) -> None:
    token = target.token(repo)
    conn = target.conn()
    try:
        for layer, digest in zip(image.layers, image.layer_digests, strict=True):
            push_chunked(conn, repo, token, memoryview(layer), digest, 32 * 1024, head=True)
        push_chunked(conn, repo, token, memoryview(image.config), sha256_digest(image.config), 32 * 1024)
        manifest_put(conn, repo, token, tag, image.manifest)
    finally:
        conn.close()


def verify(target: Target, image: SmallImage) -> None:
    """Auth is really on, an image round-trips byte for byte, a token for another repo is refused."""
    conn = target.conn()
    try:
        anonymous = conn.request("GET", "/v2/")
        if anonymous.status != 401 or "bearer" not in anonymous.header("www-authenticate").lower():
            raise RuntimeError(f"{target.label}: /v2/ without a token answered {anonymous.status}")
        push_image(target, SMALL_REPO, image, "v1")
        token = target.token(SMALL_REPO, "pull")
        got = expect(
            conn.request(
                "GET", f"/v2/{SMALL_REPO}/manifests/v1", headers={**bearer(token), "Accept": ACCEPT}
            ),
            200,
            what="manifest GET",
        )
        if got.body != image.manifest:
            raise RuntimeError(f"{target.label}: the manifest came back different")
        for digest in [sha256_digest(image.config), *image.layer_digests]:
            if sha256_digest(blob_get(conn, SMALL_REPO, token, digest, keep=True).body) != digest:
                raise RuntimeError(f"{target.label}: blob {digest} came back different")
        other = target.token(f"{USER}/other", "pull")
        denied = conn.request(
            "GET", f"/v2/{SMALL_REPO}/manifests/v1", headers={**bearer(other), "Accept": ACCEPT}
        )
        if denied.status != 401:
            raise RuntimeError(f"{target.label}: a token for another repository got {denied.status}")
        target.single_post = single_post_supported(conn, BIG_REPO, target.token(BIG_REPO))
    finally:
        conn.close()


def listings_prepare(target: Target, image: SmallImage) -> None:
    """Tags for row 8 (the image's manifest under LISTED_TAGS more names), and a check that both
    listings answer in full: every tag, and the repository in the catalog."""
    token = target.token(SMALL_REPO)
    conn = target.conn()
    try:
        names = [f"t{i:03d}" for i in range(LISTED_TAGS)]
        for name in names:
            manifest_put(conn, SMALL_REPO, token, name, image.manifest)
        listed = expect(
            conn.request("GET", f"/v2/{SMALL_REPO}/tags/list", headers=bearer(token)), 200, what="tags/list"
        )
        if set(json.loads(listed.body)["tags"]) != {"v1", *names}:
            raise RuntimeError(f"{target.label}: tags/list did not list the {LISTED_TAGS + 1} tags")
        catalog_token = target.scoped_token("registry:catalog:*")
        catalog = expect(
            conn.request("GET", "/v2/_catalog?n=100", headers=bearer(catalog_token)), 200, what="_catalog"
        )
        if SMALL_REPO not in json.loads(catalog.body)["repositories"]:
            raise RuntimeError(f"{target.label}: _catalog did not list {SMALL_REPO}")
    finally:
        conn.close()


# -- rows ----------------------------------------------------------------------------------------


@dataclass
class Measure:
    value: float
    unit: str
    server_cpu_s: float = 0.0
    requests: int = 0
    details: dict = field(default_factory=dict)


def _timed(target: Target, fn: Callable[[], _T]) -> tuple[float, float, _T]:
    cpu_mark = target.cpu_mark()
    started = time.perf_counter()
    extra = fn()
    elapsed = time.perf_counter() - started
    return elapsed, target.cpu_since(cpu_mark), extra


def row_push(target: Target, big: BigBlob, variants: list[int], mode: str, chunk_size: int) -> Measure:
    token = target.token(BIG_REPO)
    conn = target.conn()
    durations = []
    used = mode
    if mode == "single" and not target.single_post:
        used = "post+put"  # distribution 2.8 answers 202 to POST ?digest= and ignores the body
    cpu_mark = target.cpu_mark()
    requests = 0
    try:
        for variant in variants:
            data, digest = big.select(variant)
            started = time.perf_counter()
            if used == "single":
                push_single_post(conn, BIG_REPO, token, data, digest)
                requests += 1
            elif used == "post+put":
                push_post_put(conn, BIG_REPO, token, data, digest)
                requests += 2
            else:
                push_chunked(conn, BIG_REPO, token, data, digest, chunk_size)
                requests += 3
            durations.append(time.perf_counter() - started)
    finally:
        conn.close()
    cpu = target.cpu_since(cpu_mark)
    size = len(big.buffer)
    return Measure(
        value=size * len(variants) / sum(durations) / MB,
        unit="MB/s",
        server_cpu_s=cpu,
        requests=requests,
        details={
            "mode": used,
            "blob_bytes": size,
            "repetitions": len(variants),
            "seconds_each": [round(d, 4) for d in durations],
            "best_MB_s": round(size / min(durations) / MB, 1),
            "server_cpu_ms_per_MB": round(1000 * cpu / (size * len(variants) / MB), 3),
        },
    )


def row_pull(target: Target, digest: str, size: int, repetitions: int) -> Measure:
    token = target.token(BIG_REPO, "pull")
    conn = target.conn()
    durations = []
    cpu_mark = target.cpu_mark()
    try:
        for _ in range(repetitions):
            started = time.perf_counter()
            response = blob_get(conn, BIG_REPO, token, digest)
            durations.append(time.perf_counter() - started)
            if response.length != size:
                raise RuntimeError(f"{target.label}: pulled {response.length} bytes, wanted {size}")
    finally:
        conn.close()
    cpu = target.cpu_since(cpu_mark)
    return Measure(
        value=size * repetitions / sum(durations) / MB,
        unit="MB/s",
        server_cpu_s=cpu,
        requests=repetitions,
        details={
            "blob_bytes": size,
            "repetitions": repetitions,
            "seconds_each": [round(d, 4) for d in durations],
            "best_MB_s": round(size / min(durations) / MB, 1),
            "server_cpu_ms_per_MB": round(1000 * cpu / (size * repetitions / MB), 3),
        },
    )


def row_many_layers(target: Target, repo: str, image: SmallImage, parallel: int) -> Measure:
    """The whole push as a client does it: token, per layer HEAD/POST/PATCH(chunked)/PUT, then the
    config the same way and the manifest PUT. parallel > 1: that many connections share the layers."""
    errors: list[str] = []
    timings: dict[str, float] = {}
    lock = threading.Lock()

    def push_all() -> int:
        conn = Connection("127.0.0.1", target.endpoint.token_port)
        try:
            token = token_get(conn, target.endpoint, [f"repository:{repo}:pull,push"])
        finally:
            conn.close()
        pairs = list(zip(image.layers, image.layer_digests, strict=True))

        def worker(share: list[tuple[bytes, str]]) -> None:
            c = target.conn()
            mine: dict[str, float] = {}
            try:
                for layer, digest in share:
                    push_chunked(
                        c, repo, token, memoryview(layer), digest, 32 * 1024, head=True, timings=mine
                    )
            except Exception as exc:
                errors.append(repr(exc))
            finally:
                c.close()
                with lock:
                    for key, value in mine.items():
                        timings[key] = timings.get(key, 0.0) + value

        if parallel <= 1:
            worker(pairs)
        else:
            threads = [threading.Thread(target=worker, args=(pairs[i::parallel],)) for i in range(parallel)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=300)
        if errors:
            raise RuntimeError(f"{target.label}: layer push failed: {errors[0]}")
        c = target.conn()
        try:
            push_chunked(
                c, repo, token, memoryview(image.config), sha256_digest(image.config), 32 * 1024, head=True
            )
            manifest_put(c, repo, token, "latest", image.manifest)
        finally:
            c.close()
        return 1 + 4 * (len(image.layers) + 1) + 1

    elapsed, cpu, requests = _timed(target, push_all)
    return Measure(
        value=elapsed,
        unit="s",
        server_cpu_s=cpu,
        requests=int(requests),
        details={
            "layers": len(image.layers),
            "layer_bytes": len(image.layers[0]),
            "connections": max(1, parallel),
            "ms_per_layer": round(1000 * elapsed / len(image.layers), 2),
            "server_cpu_ms_per_request": round(1000 * cpu / int(requests), 3),
            **{f"client_ms_per_{k}": round(1000 * v / len(image.layers), 2) for k, v in timings.items()},
        },
    )


def _load(
    target: Target,
    method: str,
    path: str,
    token: str,
    args: argparse.Namespace,
    workdir: Path,
    seconds: float,
) -> tuple[WrkResult | LoadResult, str]:
    use_wrk = args.loadgen == "wrk" or (args.loadgen == "auto" and method != "HEAD")
    result: WrkResult | LoadResult
    if use_wrk:
        result = run_wrk(
            port=target.endpoint.port,
            method=method,
            path=path,
            token=token,
            accept=ACCEPT,
            workdir=workdir,
            connections=args.connections,
            threads=args.wrk_threads,
            seconds=seconds,
        )
        name = f"wrk -t{args.wrk_threads} -c{args.connections}"
    else:
        result = run_pyload(
            port=target.endpoint.port,
            method=method,
            path=path,
            headers={**bearer(token), "Accept": ACCEPT},
            connections=args.connections,
            processes=args.pyload_processes,
            seconds=seconds,
        )
        name = f"bench/pyload.py, {args.pyload_processes} processes, {args.connections} connections"
    return result, name


def row_rate(
    target: Target, method: str, path: str, token: str, args: argparse.Namespace, workdir: Path
) -> Measure:
    """Requests/s over keep-alive connections with a pre-fetched bearer token."""
    _load(target, method, path, token, args, workdir, 1)  # warm-up: workers, token caches, DB connections
    cpu_mark = target.cpu_mark()
    result, name = _load(target, method, path, token, args, workdir, args.seconds)
    cpu = target.cpu_since(cpu_mark)
    if result.non_2xx or not result.requests:
        raise RuntimeError(
            f"{target.label}: {result.requests} requests, {result.non_2xx} non-2xx answers to {method} {path}"
            f"\n{result.raw}"
        )
    return Measure(
        value=result.rate,
        unit="req/s",
        server_cpu_s=cpu,
        requests=result.requests,
        details={
            "load_generator": name,
            "requests": result.requests,
            "seconds": round(result.seconds, 2),
            "socket_errors": result.socket_errors,
            "server_cpu_ms_per_request": round(1000 * cpu / result.requests, 4),
            "server_cores_busy": round(cpu / result.seconds, 2),
            "loadgen_cpu_ms_per_request": round(1000 * result.client_cpu_s / result.requests, 4),
            "loadgen_cores_busy": round(result.client_cpu_s / result.seconds, 2),
        },
    )


def row_pullers(target: Target, args: argparse.Namespace) -> Measure:
    cpu_mark = target.cpu_mark()
    result = run_pullers(
        endpoint=target.endpoint,
        repo=SMALL_REPO,
        reference="v1",
        clients=args.pullers,
        processes=args.puller_processes,
        seconds=args.pull_seconds,
    )
    cpu = target.cpu_since(cpu_mark)
    if result.errors and not result.pulls:
        raise RuntimeError(f"{target.label}: every pull failed: {result.first_error}")
    lat = result.latencies

    def pct(p: float) -> float:
        return round(1000 * lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else 0.0

    return Measure(
        value=result.pulls / result.seconds,
        unit="pulls/s",
        server_cpu_s=cpu,
        requests=result.pulls * 6,
        details={
            "clients": args.pullers,
            "processes": args.puller_processes,
            "seconds": result.seconds,
            "pulls": result.pulls,
            "errors": result.errors,
            "first_error": result.first_error,
            "MB_s": round(result.bytes / result.seconds / MB, 1),
            "latency_ms_p50": pct(0.5),
            "latency_ms_p90": pct(0.9),
            "latency_ms_p99": pct(0.99),
            "server_cpu_ms_per_pull": round(1000 * cpu / max(result.pulls, 1), 2),
            "note": "registry CPU; the reference's token server is in token_server_cpu_s",
        },
    )


# -- table ---------------------------------------------------------------------------------------

ROW_TITLES = {
    "1": "blob push, monolithic, 64 MiB (ours: single POST ?digest=; reference: POST + PUT)",
    "1b": "blob push, POST + PUT ?digest= with the whole body (both)",
    "2": "blob push, chunked like podman/skopeo (POST, PATCH Transfer-Encoding: chunked, PUT)",
    "3": "blob pull, GET 64 MiB",
    "4": "push of an image of 200 small layers, 1 connection",
    "4b": "push of an image of 200 small layers, 6 connections",
    "5": "manifest GET with token, req/s",
    "5cpu": "  server CPU per manifest GET",
    "6": "blob HEAD with token, req/s",
    "6cpu": "  server CPU per blob HEAD",
    "7": "concurrent pullers (token + manifest + config + 3 x 1 MiB)",
    "8": "tags/list of a repository with 101 tags, req/s",
    "9": "_catalog?n=100, req/s",
    "rss": "server peak RSS over the whole run (registry processes, summed)",
}
LOWER_IS_BETTER = {"s", "ms CPU/req", "MB RSS"}


def _fmt(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "ms CPU/req":
        return f"{value:.3f} ms"
    if unit == "MB RSS":
        return f"{value:,.0f} MB"
    if unit == "pulls/s":
        return f"{value:.1f} pulls/s"
    return f"{value:,.0f} {unit}"


def table(results: dict[str, dict[str, Measure]], rows: list[str], args: argparse.Namespace) -> str:
    lines = [
        "| # | row | ours | reference | ratio (>1.0 = ours better) |",
        "|---|---|---:|---:|---:|",
    ]
    for row in rows:
        ours, ref = results[row].get("ours"), results[row].get("reference")
        entries = [(row, ours, ref)]
        if row in ("5", "6") and ours and ref:
            unit = "ms CPU/req"
            entries.append(
                (
                    f"{row}cpu",
                    Measure(ours.details["cpu_ms_per_request_median"], unit),
                    Measure(ref.details["cpu_ms_per_request_median"], unit),
                )
            )
        for key, a, b in entries:
            title = ROW_TITLES[key]
            if key == "7":
                title = title.replace("concurrent", f"{args.pullers} concurrent")
            if key in ("4", "4b"):
                title = title.replace("200", str(args.layers))
            a_text = _fmt(a.value, a.unit) if a else "-"
            b_text = _fmt(b.value, b.unit) if b else "-"
            if a and b and a.value and b.value:
                ratio = b.value / a.value if a.unit in LOWER_IS_BETTER else a.value / b.value
                orient = "ref/ours" if a.unit in LOWER_IS_BETTER else "ours/ref"
                ratio_text = f"{ratio:.2f} ({orient})"
            else:
                ratio_text = "-"
            lines.append(f"| {key.replace('cpu', '')} | {title} | {a_text} | {b_text} | {ratio_text} |")
    return "\n".join(lines)


def details_table(results: dict[str, dict[str, Measure]], rows: list[str]) -> str:
    lines = ["| # | server | server CPU s | requests | details |", "|---|---|---:|---:|---|"]
    for row in rows:
        for label in ("ours", "reference"):
            m = results[row].get(label)
            if m is None:
                continue
            keep = {k: v for k, v in m.details.items() if k not in ("seconds_each",)}
            text = ", ".join(f"{k}={v}" for k, v in keep.items())
            lines.append(f"| {row} | {label} | {m.server_cpu_s:.2f} | {m.requests} | {text} |")
    return "\n".join(lines)


# -- main ----------------------------------------------------------------------------------------


def _git_state() -> str:
    """The commit under test, and whether the work tree differs from it (read-only git)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}{' + uncommitted changes' if dirty else ''}" if head else "unknown"


def _extra_cpu(targets: list[Target]) -> float:
    """CPU of processes serving a target outside our process tree (PostgreSQL backends)."""
    return sum(cpu_seconds(t.server.extra_pids()) for t in targets if t.server.extra_pids is not None)


def _client_cpu() -> float:
    """CPU of this process (all its threads) and of the load generators it started and reaped."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def quota_section(args: argparse.Namespace) -> str:
    """bench/quota_overhead.py in its own process (it sets Django up for the backfill): its tables."""
    argv = [
        PYTHON,
        str(Path(__file__).resolve().parent / "quota_overhead.py"),
        "--server-cmd",
        args.server_cmd,
    ]
    argv += ["--rounds", str(args.rounds), "--layers", str(args.layers)]
    argv += ["--layer-bytes", str(args.layer_bytes)]
    if args.postgres:
        argv.append("--postgres")
    log("quota: bench/quota_overhead.py, quota on against off, then the backfill")
    done = subprocess.run(argv, cwd=ROOT, stdout=subprocess.PIPE, text=True, timeout=3600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"bench/quota_overhead.py failed ({done.returncode}); its log is above")
    return "\nQuota management (bench/quota_overhead.py):\n\n" + done.stdout.strip() + "\n"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="ours on a fresh PostgreSQL database quay_bench_<random> (dropped after)",
    )
    parser.add_argument(
        "--server-cmd",
        default=DEFAULT_SERVER_CMD,
        help="command serving our WSGI app; {port} is replaced (default: gunicorn gthread, as `make run`)",
    )
    parser.add_argument("--granian", action="store_true", help=f"shortcut for --server-cmd '{GRANIAN_CMD}'")
    parser.add_argument(
        "--rows", default=",".join(ALL_ROWS), help=f"which rows (default all: {','.join(ALL_ROWS)})"
    )
    parser.add_argument("--blob-mib", type=int, default=64)
    parser.add_argument("--reps", type=int, default=4, help="repetitions of each 64 MiB push")
    parser.add_argument("--pull-reps", type=int, default=8, help="repetitions of the 64 MiB GET")
    parser.add_argument(
        "--chunk-kib",
        type=int,
        default=32,
        help="chunk size of the chunked PATCH (Go's io.Copy writes 32 KiB)",
    )
    parser.add_argument("--layers", type=int, default=200)
    parser.add_argument("--layer-bytes", type=int, default=4096)
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each wrk row")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument(
        "--loadgen",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="auto: wrk for GET, bench/pyload.py for HEAD (wrk cannot complete HEAD requests)",
    )
    parser.add_argument("--pyload-processes", type=int, default=2)
    parser.add_argument("--pullers", type=int, default=50)
    parser.add_argument("--puller-processes", type=int, default=4)
    parser.add_argument("--pull-seconds", type=float, default=10.0)
    parser.add_argument(
        "--profile", default="", help="rows during which py-spy records ours (e.g. 5,7); perturbs those rows"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="repeat every row this many times, alternating which server goes first",
    )
    parser.add_argument("--keep", action="store_true", help="leave the servers' temp dirs (logs) in place")
    parser.add_argument(
        "--autoprune",
        action="store_true",
        help="also run bench/autoprune.py (a dry and a real run over 10,000 tags) on the same "
        "database kind; --rows '' runs only it",
    )
    parser.add_argument(
        "--secscan",
        action="store_true",
        help="also run bench/scan_throughput.py (the built-in indexer's MB/s, layer reuse on a second "
        "image); --rows '' runs only it",
    )
    parser.add_argument(
        "--quota",
        action="store_true",
        help="also run bench/quota_overhead.py (pushes with FEATURE_QUOTA_MANAGEMENT on against off, "
        "the backfill); "
        "--rows '' runs only it",
    )
    parser.add_argument(
        "--storage-drivers",
        action="store_true",
        help="also run bench/storage_drivers.py (blob push and pull on every storage driver against "
        "its emulator, beside the plain client library); --rows '' runs only it",
    )
    parser.add_argument(
        "--replication",
        action="store_true",
        help="also run bench/replication.py (geo-replication between two locations against a plain "
        "boto3 copy); --rows '' runs only it",
    )
    parser.add_argument(
        "--builds",
        action="store_true",
        help="also run bench/dockerfile_builds.py (queue-to-start latency, our build path against "
        "buildah by hand); --rows '' runs only it",
    )
    args = parser.parse_args()
    if args.granian:
        args.server_cmd = GRANIAN_CMD
    args.rows = [r.strip() for r in args.rows.split(",") if r.strip()]
    unknown = set(args.rows) - set(ALL_ROWS)
    if unknown:
        parser.error(f"unknown rows {sorted(unknown)}")
    args.profile = [r.strip() for r in args.profile.split(",") if r.strip()]
    return args


def _median_measure(measures: list[Measure]) -> Measure:
    """value = the median over rounds (the mean of the middle two for an even count); the details
    are those of the round nearest to it, plus every round's value and the median server CPU per
    request."""
    median = statistics.median(m.value for m in measures)
    chosen = min(measures, key=lambda m: abs(m.value - median))
    cpu_per_request = statistics.median(1000 * m.server_cpu_s / max(m.requests, 1) for m in measures)
    result = Measure(
        value=median,
        unit=chosen.unit,
        server_cpu_s=chosen.server_cpu_s,
        requests=chosen.requests,
        details=dict(chosen.details),
    )
    result.details["cpu_ms_per_request_median"] = round(cpu_per_request, 4)
    if len(measures) > 1:
        result.details["rounds"] = [round(m.value, 3) for m in measures]
    return result


def _measure_row(row: str, target: Target, ctx: dict, args: argparse.Namespace) -> Measure:
    if row in ("1", "1b", "2"):
        mode = {"1": "single", "1b": "post+put", "2": "chunked"}[row]
        return row_push(target, ctx["big"], ctx["variants"][row], mode, args.chunk_kib * 1024)
    if row == "3":
        return row_pull(target, ctx["pull_digest"], len(ctx["big"].buffer), args.pull_reps)
    if row in ("4", "4b"):
        repo, parallel = (MANY_REPO, 1) if row == "4" else (MANY_PAR_REPO, 6)
        image = SmallImage([os.urandom(args.layer_bytes) for _ in range(args.layers)])
        return row_many_layers(target, repo, image, parallel)
    if row in ("5", "6"):
        small: SmallImage = ctx["small"]
        method, path = (
            ("GET", f"/v2/{SMALL_REPO}/manifests/v1")
            if row == "5"
            else ("HEAD", f"/v2/{SMALL_REPO}/blobs/{small.layer_digests[0]}")
        )
        return row_rate(target, method, path, target.token(SMALL_REPO, "pull"), args, ctx["workdir"])
    if row == "8":
        path = f"/v2/{SMALL_REPO}/tags/list"
        return row_rate(target, "GET", path, target.token(SMALL_REPO, "pull"), args, ctx["workdir"])
    if row == "9":
        token = target.scoped_token("registry:catalog:*")
        return row_rate(target, "GET", "/v2/_catalog?n=100", token, args, ctx["workdir"])
    return row_pullers(target, args)


def script_section(script: str, title: str | None, *, postgres: bool) -> str:
    """A bench script that sets Django up on a database (or servers) of its own, run in its own
    process; its tables under ``title``."""
    log(f"{title or script}: bench/{script}")
    command = [PYTHON, str(Path(__file__).resolve().parent / script)]
    if postgres:
        command.append("--postgres")
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"bench/{script} failed:\n{done.stderr[-2000:]}")
    heading = f"\n{title} (bench/{script}):\n" if title else ""
    return heading + "\n" + done.stdout.strip() + "\n"


# What run.py also runs when asked (--autoprune, ...): the flag's name, the script, its title,
# and whether it takes --postgres.
SCRIPT_SECTIONS = (
    ("autoprune", "autoprune.py", "Auto-prune, one namespace", True),
    ("secscan", "scan_throughput.py", "Vulnerability scanning, built-in indexer", True),
    ("replication", "replication.py", "Geo-replication between two locations", True),
    ("builds", "dockerfile_builds.py", "Dockerfile builds", True),
    ("storage_drivers", "storage_drivers.py", None, False),
)


def main() -> int:
    args = parse_args()
    # The servers run in their own sessions: turn SIGTERM into an exit so `finally` stops them.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    rows = [r for r in ALL_ROWS if r in args.rows]
    autoprune = quota_section(args) if args.quota else ""
    for flag, script, title, postgres in SCRIPT_SECTIONS:
        if getattr(args, flag):
            autoprune += script_section(script, title, postgres=postgres and args.postgres)
    if not rows:
        print(autoprune)
        return 0
    needs_wrk = args.loadgen == "wrk" or (args.loadgen == "auto" and "5" in rows)
    if needs_wrk and not wrk_available():
        sys.exit("row 5 uses wrk: apt-get install -y wrk (or pass --loadgen python)")
    run_started = time.time()
    load_before = os.getloadavg()[0]
    git_state = _git_state()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    RESULTS_DIR.mkdir(exist_ok=True)

    log("preparing test data")
    big = BigBlob(args.blob_mib * MiB)
    # Every round pushes new digests: a second push of a stored digest is a different code path.
    all_variants = {
        (rnd, row): [1000 * rnd + base + i for i in range(args.reps)]
        for rnd in range(args.rounds)
        for row, base in (("1", 0), ("1b", 100), ("2", 200))
        if row in rows
    }
    big.prepare([v for vs in all_variants.values() for v in vs] + [999])
    small = SmallImage([os.urandom(MiB) for _ in range(3)])

    servers: list[Server] = []
    rounds: dict[str, dict[str, list[Measure]]] = {row: {"ours": [], "reference": []} for row in rows}
    profiles: dict[str, str] = {}
    memory: MemoryPeak | None = None
    try:
        kind = "PostgreSQL" if args.postgres else "SQLite"
        log(f"starting ours: {args.server_cmd.split()[0]}, {kind}")
        servers.append(
            start_ours(server_cmd=args.server_cmd, postgres=args.postgres, user=USER, password=PASSWORD)
        )
        log("starting the reference: docker-registry + bench/tokenserver.py")
        servers.append(start_reference(user=USER, password=PASSWORD))
        targets = [target_for(s) for s in servers]
        memory = MemoryPeak(servers)
        for target in targets:
            verify(target, small)
            log(f"{target.label}: verified (auth on, image round-trips; single POST: {target.single_post})")
            if "3" in rows:
                data, digest = big.select(999)
                conn = target.conn()
                try:
                    push_post_put(conn, BIG_REPO, target.token(BIG_REPO), data, digest)
                finally:
                    conn.close()
        if "8" in rows or "9" in rows:
            for target in targets:
                listings_prepare(target, small)
        ctx = {
            "big": big,
            "small": small,
            "pull_digest": big.digests[999],
            "workdir": Path(servers[0].workdir),
        }

        for rnd in range(args.rounds):
            # Odd rounds measure the reference first, so neither server always runs second.
            order = targets if rnd % 2 == 0 else targets[::-1]
            for row in rows:
                ctx["variants"] = {r: all_variants.get((rnd, r), []) for r in ("1", "1b", "2")}
                for target in order:
                    recorder = None
                    if row in args.profile and target.label == "ours" and row not in profiles:
                        from profiling import Recorder

                        out = RESULTS_DIR / f"profile-{stamp}-row{row}.txt"
                        assert target.server.proc is not None  # started by then
                        recorder = Recorder(target.server.proc.pid, out)
                        time.sleep(0.5)
                    log(f"round {rnd + 1}/{args.rounds} row {row}: {target.label}")
                    busy_before, own_before, wall_before = (
                        machine_busy_seconds(),
                        own_cpu_seconds() + _extra_cpu(targets),
                        time.time(),
                    )
                    client_before = _client_cpu()
                    token_pids = (
                        process_tree(target.server.token_proc.pid) if target.server.token_proc else []
                    )
                    token_before = cpu_seconds(token_pids)
                    m = _measure_row(row, target, ctx, args)
                    if token_pids:
                        m.details["token_server_cpu_s"] = round(cpu_seconds(token_pids) - token_before, 3)
                    if recorder is not None:
                        err = recorder.stop()
                        from profiling import summarize

                        profiles[row] = summarize(recorder.output)
                        if "rror" in err:
                            profiles[row] += "\npy-spy: " + err[-500:]
                    wall = time.time() - wall_before
                    own_after = own_cpu_seconds() + _extra_cpu(targets)
                    other = (machine_busy_seconds() - busy_before) - (own_after - own_before)
                    m.details["other_load_cores"] = round(max(other, 0.0) / wall, 2)
                    m.details["client_cpu_s"] = round(_client_cpu() - client_before, 3)
                    if recorder is not None:
                        m.details["profiled"] = True
                    rounds[row][target.label].append(m)
                    log(f"round {rnd + 1}/{args.rounds} row {row}: {target.label}: {_fmt(m.value, m.unit)}")
    finally:
        if memory is not None:
            memory.stop()
        for server in servers:
            if args.keep:
                server.workdir = ""
            server.stop()

    results = {
        row: {label: _median_measure(ms) for label, ms in per.items() if ms} for row, per in rounds.items()
    }
    if memory is not None:
        results["rss"] = {
            label: Measure(
                peak / MB,
                "MB RSS",
                details={"processes_at_peak": memory.processes_at_peak.get(label, 0)},
            )
            for label, peak in memory.peak.items()
        }
        rows = [*rows, "rss"]
    md = table(results, rows, args)
    header = [
        f"# Registry benchmark {stamp}",
        "",
        f"- ours: `{servers[0].notes.get('command', '')}`, {servers[0].notes.get('database', '')}, "
        f"code at {git_state}",
        f"- reference: {servers[1].notes.get('version', '')}, filesystem storage, token auth "
        "(tokens from bench/tokenserver.py)",
        f"- machine: {os.cpu_count()} CPUs shared by client and servers (compare ratios within one run); "
        f"load average before {load_before:.2f}, after {os.getloadavg()[0]:.2f}; "
        "other_load_cores in the details = CPU used by processes outside this benchmark",
        f"- {args.rounds} round(s), reference first in odd rounds; each cell is the median over rounds "
        "(with 2 rounds, their mean); the details are those of the round nearest to it",
        "- every ratio is oriented so that > 1.0 means ours is better: ours/reference for throughput "
        "(MB/s, req/s, pulls/s), reference/ours for seconds and CPU ms",
        "",
        "",
    ]
    report = (
        "\n".join(header)
        + md
        + "\n\nDetails (the round nearest the median):\n\n"
        + details_table(results, rows)
        + "\n"
    )
    for row, summary in profiles.items():
        report += f"\nProfile of ours during row {row} (py-spy; top functions):\n\n```\n{summary}\n```\n"
    report += autoprune
    print(report)
    payload = {
        "stamp": stamp,
        "seconds_total": round(time.time() - run_started, 1),
        "args": dict(vars(args)),
        "python": platform.python_version(),
        "load_average_before": load_before,
        "git": git_state,
        "servers": [{"label": s.label, **s.notes} for s in servers],
        "rss_peak_bytes": memory.peak if memory is not None else {},
        "rows": {
            row: {
                label: [
                    {
                        "value": m.value,
                        "unit": m.unit,
                        "server_cpu_s": m.server_cpu_s,
                        "requests": m.requests,
                        **m.details,
                    }
                    for m in ms
                ]
                for label, ms in per.items()
            }
            for row, per in rounds.items()
        },
        "markdown": report,
    }
    path = RESULTS_DIR / f"bench-{stamp}.json"
    path.write_text(json.dumps(payload, indent=2))
    log(f"saved {path} ({time.time() - run_started:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
