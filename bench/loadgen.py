"""Request-rate load: wrk (C, epoll, keep-alive) with a generated Lua script per target."""

from __future__ import annotations

import re
import resource
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

LUA_TEMPLATE = """\
wrk.method = "{method}"
wrk.path = "{path}"
wrk.headers["Authorization"] = "Bearer {token}"
wrk.headers["Accept"] = "{accept}"
"""


@dataclass
class WrkResult:
    requests: int
    seconds: float
    rate: float
    non_2xx: int
    socket_errors: str
    client_cpu_s: float
    raw: str


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(
    *,
    port: int,
    method: str,
    path: str,
    token: str,
    accept: str,
    workdir: Path,
    connections: int,
    threads: int,
    seconds: float,
) -> WrkResult:
    script = workdir / f"wrk-{method.lower()}-{port}.lua"
    script.write_text(LUA_TEMPLATE.format(method=method, path=path, token=token, accept=accept))
    argv = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}",
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30)
    elapsed = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = done.stdout + done.stderr
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {out}")
    match = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", out)
    if not match:
        raise RuntimeError(f"cannot parse wrk output: {out}")
    requests = int(match.group(1))
    scale = {"ms": 1e-3, "s": 1.0, "m": 60.0}[match.group(3)]
    wrk_seconds = float(match.group(2)) * scale
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return WrkResult(
        requests=requests,
        seconds=wrk_seconds or elapsed,
        rate=requests / (wrk_seconds or elapsed),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=errors.group(1).strip() if errors else "",
        client_cpu_s=(after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        raw=out,
    )
