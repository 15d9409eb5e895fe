"""Concurrent pullers: several processes, each with threads, each thread one client.

One pull = a token from the token endpoint (basic auth), GET manifest, GET config blob, GET each
layer blob. Each pull is a fresh client: a new connection to the token endpoint and a new
keep-alive connection for the registry requests (one connection when both are the same server,
as Go's HTTP client would pool them). Layer bodies are counted, not hashed, to keep client CPU low.
"""

from __future__ import annotations

import json
import multiprocessing
import threading
import time
from dataclasses import dataclass
from typing import TypedDict

from httpclient import Connection
from ops import ACCEPT, Endpoint, bearer, blob_get, expect, token_get


@dataclass
class PullResult:
    pulls: int
    errors: int
    bytes: int
    seconds: float
    latencies: list[float]
    first_error: str


def _one_pull(endpoint: Endpoint, repo: str, reference: str) -> int:
    registry = Connection("127.0.0.1", endpoint.port, timeout=30)
    same = endpoint.token_port == endpoint.port
    tokens = registry if same else Connection("127.0.0.1", endpoint.token_port, timeout=30)
    try:
        token = token_get(tokens, endpoint, [f"repository:{repo}:pull"])
        if not same:
            tokens.close()
        manifest = expect(
            registry.request(
                "GET", f"/v2/{repo}/manifests/{reference}", headers={**bearer(token), "Accept": ACCEPT}
            ),
            200,
            what="manifest GET",
        )
        parsed = json.loads(manifest.body)
        received = len(manifest.body)
        config = blob_get(registry, repo, token, parsed["config"]["digest"], keep=True)
        received += len(config.body)
        for layer in parsed["layers"]:
            response = blob_get(registry, repo, token, layer["digest"])
            if response.length != layer["size"]:
                raise RuntimeError(
                    f"layer {layer['digest']}: {response.length} bytes, wanted {layer['size']}"
                )
            received += response.length
        return received
    finally:
        registry.close()
        tokens.close()


class _Totals(TypedDict):
    pulls: int
    errors: int
    bytes: int
    first_error: str


def _process_main(
    endpoint: Endpoint,
    repo: str,
    reference: str,
    threads: int,
    start_at: float,
    end_at: float,
    queue: multiprocessing.Queue,
) -> None:
    lock = threading.Lock()
    totals: _Totals = {"pulls": 0, "errors": 0, "bytes": 0, "first_error": ""}
    latencies: list[float] = []

    def client() -> None:
        while time.time() < start_at:
            time.sleep(min(0.01, max(0.0, start_at - time.time())))
        while time.time() < end_at:
            began = time.time()
            try:
                received = _one_pull(endpoint, repo, reference)
            except Exception as exc:  # counted, reported, and the client goes on
                with lock:
                    totals["errors"] += 1
                    totals["first_error"] = totals["first_error"] or repr(exc)[:300]
                time.sleep(0.01)
                continue
            finished = time.time()
            if finished <= end_at:
                with lock:
                    totals["pulls"] += 1
                    totals["bytes"] += received
                    latencies.append(finished - began)

    workers = [threading.Thread(target=client, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=max(1.0, end_at - time.time() + 40))
    queue.put({**totals, "latencies": latencies})


def run_pullers(
    *, endpoint: Endpoint, repo: str, reference: str, clients: int, processes: int, seconds: float
) -> PullResult:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    start_at = time.time() + 0.5  # every process has forked and started its threads by then
    end_at = start_at + seconds
    shares = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    procs = [
        context.Process(target=_process_main, args=(endpoint, repo, reference, n, start_at, end_at, queue))
        for n in shares
        if n
    ]
    for proc in procs:
        proc.start()
    results = []
    for _ in procs:
        results.append(queue.get(timeout=seconds + 60))
    for proc in procs:
        proc.join(timeout=10)
        if proc.is_alive():
            proc.kill()
    latencies = sorted(x for r in results for x in r["latencies"])
    return PullResult(
        pulls=sum(r["pulls"] for r in results),
        errors=sum(r["errors"] for r in results),
        bytes=sum(r["bytes"] for r in results),
        seconds=seconds,
        latencies=latencies,
        first_error=next((r["first_error"] for r in results if r["first_error"]), ""),
    )
