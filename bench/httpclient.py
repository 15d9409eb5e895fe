"""A small HTTP/1.1 client on a raw socket, for benchmarks: keep-alive, no copies of big bodies.

Request bodies go out with one sendall() of a memoryview (Content-Length) or as
Transfer-Encoding: chunked frames sent with sendmsg() (one syscall per chunk, no joining).
Response bodies are either kept (small: manifests, tokens) or read into one reusable scratch
buffer and counted (big blobs), so the client does the least work per byte it can in Python.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit

SCRATCH_SIZE = 1024 * 1024
HEAD_LIMIT = 64 * 1024


class HttpError(Exception):
    pass


@dataclass
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    length: int = 0  # bytes of body received (kept or discarded)

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)


class Connection:
    """One keep-alive connection to host:port. Not thread-safe: one per thread."""

    def __init__(self, host: str, port: int, timeout: float = 60.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.sock: socket.socket | None = None
        self.scratch = bytearray(SCRATCH_SIZE)
        self.view = memoryview(self.scratch)
        self.pending = bytearray()  # bytes read past the headers, not yet consumed
        self.requests = 0

    def connect(self) -> None:
        self.close()
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = sock
        self.pending = bytearray()

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None

    # -- sending ---------------------------------------------------------------------------

    def _head(self, method: str, path: str, headers: dict[str, str] | None, extra: list[str]) -> bytes:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        for key, value in (headers or {}).items():
            lines.append(f"{key}: {value}")
        lines.extend(extra)
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: bytes | bytearray | memoryview | None = None,
        chunked: memoryview | None = None,
        chunk_size: int = 32 * 1024,
        keep_body: bool = True,
    ) -> Response:
        """Sends one request and reads its response.

        body: sent with Content-Length. chunked: sent with Transfer-Encoding: chunked in
        chunk_size frames and no Content-Length. keep_body=False counts the body into the
        scratch buffer instead of keeping it.
        """
        if self.sock is None:
            self.connect()
        assert self.sock is not None
        try:
            if chunked is not None:
                self.sock.sendall(self._head(method, path, headers, ["Transfer-Encoding: chunked"]))
                self._send_chunked(chunked, chunk_size)
            else:
                size = len(body) if body is not None else 0
                extra = [f"Content-Length: {size}"] if (size or method in ("POST", "PUT", "PATCH")) else []
                head = self._head(method, path, headers, extra)
                if body is not None and 0 < size <= 64 * 1024:
                    self.sock.sendall(head + bytes(body))
                else:
                    self.sock.sendall(head)
                    if body is not None and size:
                        self.sock.sendall(body)
            response = self._read_response(method, keep_body)
        except (OSError, HttpError):
            self.close()
            raise
        self.requests += 1
        if response.header("connection").lower() == "close":
            self.close()
        return response

    def _send_chunked(self, data: memoryview, chunk_size: int) -> None:
        sock = self.sock
        assert sock is not None
        total = len(data)
        offset = 0
        while offset < total:
            piece = data[offset : offset + chunk_size]
            frame: list[bytes | memoryview] = [f"{len(piece):x}\r\n".encode(), piece, b"\r\n"]
            sent = sock.sendmsg(frame)
            want = sum(len(p) for p in frame)
            if sent < want:  # rare with blocking sockets: finish the frame with sendall
                rest = b"".join(bytes(p) for p in frame)[sent:]
                sock.sendall(rest)
            offset += len(piece)
        sock.sendall(b"0\r\n\r\n")

    # -- receiving -------------------------------------------------------------------------

    def _recv_more(self) -> int:
        assert self.sock is not None
        n = self.sock.recv_into(self.view)
        if n == 0:
            raise HttpError("connection closed by the server")
        self.pending += self.view[:n]
        return n

    def _read_head(self) -> tuple[int, dict[str, str]]:
        while True:
            end = self.pending.find(b"\r\n\r\n")
            if end >= 0:
                break
            if len(self.pending) > HEAD_LIMIT:
                raise HttpError("response head too long")
            self._recv_more()
        head = bytes(self.pending[:end]).decode("latin-1")
        del self.pending[: end + 4]
        status_line, *lines = head.split("\r\n")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/"):
            raise HttpError(f"bad status line {status_line!r}")
        headers: dict[str, str] = {}
        for line in lines:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        return int(parts[1]), headers

    def _read_exact(self, size: int, keep: bool) -> bytes:
        """size body bytes: first from pending, then from the socket."""
        kept: list[bytes] = []
        take = min(size, len(self.pending))
        if take:
            if keep:
                kept.append(bytes(self.pending[:take]))
            del self.pending[:take]
        remaining = size - take
        sock = self.sock
        assert sock is not None
        view = self.view
        while remaining > 0:
            n = sock.recv_into(view, min(remaining, SCRATCH_SIZE))
            if n == 0:
                raise HttpError("connection closed in the middle of a body")
            if keep:
                kept.append(bytes(view[:n]))
            remaining -= n
        return b"".join(kept) if keep else b""

    def _read_line(self) -> bytes:
        while True:
            end = self.pending.find(b"\r\n")
            if end >= 0:
                line = bytes(self.pending[:end])
                del self.pending[: end + 2]
                return line
            self._recv_more()

    def _read_response(self, method: str, keep_body: bool) -> Response:
        while True:
            status, headers = self._read_head()
            if status != 100:
                break
        response = Response(status=status, headers=headers)
        if method == "HEAD" or status in (204, 304):
            return response
        if "chunked" in headers.get("transfer-encoding", "").lower():
            parts = []
            while True:
                size = int(self._read_line().split(b";")[0], 16)
                if size == 0:
                    while self._read_line():
                        pass
                    break
                parts.append(self._read_exact(size, keep_body))
                response.length += size
                self._read_line()
            response.body = b"".join(parts)
            return response
        length = headers.get("content-length")
        if length is None:
            # Read to close: rare here (an error page from a proxy), never on the hot path.
            parts = []
            while True:
                try:
                    self._recv_more()
                except HttpError:
                    break
                parts.append(bytes(self.pending))
                response.length += len(self.pending)
                self.pending.clear()
            response.body = b"".join(parts) if keep_body else b""
            self.close()
            return response
        response.length = int(length)
        response.body = self._read_exact(response.length, keep_body)
        return response


def split_location(location: str, default_host: str, default_port: int) -> tuple[str, int, str]:
    """A Location header -> (host, port, path with query)."""
    parts = urlsplit(location)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if parts.netloc:
        return parts.hostname or default_host, parts.port or 80, path
    return default_host, default_port, path


def add_query(path: str, query: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}{query}"
