"""A keep-alive load generator in Python for what wrk cannot do: wrk's parser waits for the body
a HEAD response announces in Content-Length, so it never completes a HEAD request.

Several processes, each driving its share of the connections with epoll on non-blocking sockets;
every request is one pre-encoded bytes object, every response is recognised by its head (and
Content-Length for GET), nothing is decoded beyond the status code. About 20-40 us of client CPU
per request, which the run reports next to the server's CPU.
"""

from __future__ import annotations

import multiprocessing
import resource
import select
import socket
import time
from dataclasses import dataclass


@dataclass
class LoadResult:
    requests: int
    seconds: float
    rate: float
    non_2xx: int
    socket_errors: str
    client_cpu_s: float
    raw: str


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setblocking(False)
    return sock


def _worker(
    port: int,
    request: bytes,
    head_only: bool,
    connections: int,
    start_at: float,
    end_at: float,
    queue: multiprocessing.Queue,
) -> None:
    poller = select.epoll()
    socks: dict[int, socket.socket] = {}
    buffers: dict[int, bytearray] = {}
    needed: dict[int, int] = {}
    done = bad = errors = 0
    while time.time() < start_at:
        time.sleep(0.005)
    for _ in range(connections):
        sock = _connect(port)
        socks[sock.fileno()] = sock
        buffers[sock.fileno()] = bytearray()
        needed[sock.fileno()] = -1
        poller.register(sock.fileno(), select.EPOLLIN)
        sock.send(request)
    while socks:
        now = time.time()
        if now >= end_at:
            break
        for fd, _event in poller.poll(min(0.5, end_at - now)):
            sock = socks[fd]
            try:
                data = sock.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                errors += 1
                poller.unregister(fd)
                sock.close()
                del socks[fd]
                try:
                    sock = _connect(port)
                except OSError:
                    continue
                fd = sock.fileno()
                socks[fd], buffers[fd], needed[fd] = sock, bytearray(), -1
                poller.register(fd, select.EPOLLIN)
                sock.send(request)
                continue
            buf = buffers[fd]
            buf += data
            while True:
                if needed[fd] < 0:
                    end = buf.find(b"\r\n\r\n")
                    if end < 0:
                        break
                    length = 0
                    if not head_only:
                        lower = bytes(buf[:end]).lower()
                        at = lower.find(b"content-length:")
                        if at >= 0:
                            length = int(lower[at + 15 : lower.find(b"\r\n", at)].strip() or b"0")
                    needed[fd] = end + 4 + length
                    if buf[9:10] != b"2":
                        bad += 1
                if len(buf) < needed[fd]:
                    break
                del buf[: needed[fd]]
                needed[fd] = -1
                done += 1
                if time.time() < end_at:
                    sock.send(request)  # small: a non-blocking send takes it whole
                break
    for sock in socks.values():
        sock.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    queue.put({"done": done, "bad": bad, "errors": errors, "cpu": usage.ru_utime + usage.ru_stime})


def run_pyload(
    *,
    port: int,
    method: str,
    path: str,
    headers: dict[str, str],
    connections: int,
    processes: int,
    seconds: float,
) -> LoadResult:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    start_at = time.time() + 0.3
    end_at = start_at + seconds
    shares = [connections // processes + (1 if i < connections % processes else 0) for i in range(processes)]
    procs = [
        context.Process(target=_worker, args=(port, request, method == "HEAD", n, start_at, end_at, queue))
        for n in shares
        if n
    ]
    for proc in procs:
        proc.start()
    results = [queue.get(timeout=seconds + 30) for _ in procs]
    for proc in procs:
        proc.join(timeout=10)
        if proc.is_alive():
            proc.kill()
    done = sum(r["done"] for r in results)
    return LoadResult(
        requests=done,
        seconds=seconds,
        rate=done / seconds,
        non_2xx=sum(r["bad"] for r in results),
        socket_errors=str(sum(r["errors"] for r in results)),
        client_cpu_s=sum(r["cpu"] for r in results),
        raw="",
    )
