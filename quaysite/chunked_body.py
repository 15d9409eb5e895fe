"""gunicorn's reader of `Transfer-Encoding: chunked` request bodies, replaced by one that decodes
the frames out of large socket reads.

podman and skopeo send every layer this way, in the 32 KiB frames Go's io.Copy writes. gunicorn's
own reader receives at most one frame per recv() and copies each frame several times on its way
through its buffers: bench/ measured it at about 5 ms of server CPU per MB, more than hashing and
writing the blob. This one receives up to RECV_BYTES at a time and cuts the frames out of that
buffer, so a request body costs a few copies per byte and a few microseconds per frame.

It keeps gunicorn's rules for what a chunked body may hold (RFC 9112 section 7.1: hex sizes,
chunk extensions of its grammar, no bare CR, the size line's and the trailers' limits) and raises
gunicorn's own errors, so a bad body ends the request as before. What follows the body on the
connection (the next pipelined request) goes back to gunicorn's unreader.

gunicorn.conf.py installs it (install()); a server other than gunicorn never sees it.
"""

from __future__ import annotations

from typing import Any

from gunicorn.http import body as _gunicorn_body
from gunicorn.http import message as _gunicorn_message
from gunicorn.http.errors import ChunkMissingTerminator, InvalidChunkExtension, InvalidChunkSize, NoMoreData

# types-gunicorn describes an older gunicorn than the one installed (no ChunkedReader there).
gunicorn_body: Any = _gunicorn_body
gunicorn_message: Any = _gunicorn_message

RECV_BYTES = 1024 * 1024
HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")


class ChunkedBodyReader(gunicorn_body.ChunkedReader):
    def __init__(self, req: Any, unreader: Any) -> None:
        super().__init__(req, unreader)
        self.parser = None  # the parent's frame generator: not used here
        self.unreader = unreader
        self.pending = b""  # received, decoded up to position
        self.position = 0
        self.chunk_left = 0  # data bytes of the current frame not yet handed out
        self.after_data = False  # the CRLF that ends a frame's data is next
        self.done = False

    def _receive(self) -> None:
        """Adds what the unreader holds, or one large socket read, to what is left undecoded.
        Inside a frame's data nothing is left, so the received bytes are kept as they came."""
        data = self.unreader.read(None, read_ahead=RECV_BYTES)
        if not data:
            raise NoMoreData()
        left = self.pending[self.position :]
        self.pending = left + data if left else data
        self.position = 0

    def _size_line(self) -> int | None:
        """The next frame's size, or None when its line has not arrived whole yet."""
        end = self.pending.find(b"\r\n", self.position)
        if end < 0:
            if len(self.pending) - self.position > self.limit_chunk_size_line:
                raise InvalidChunkSize(b"line over %d bytes with no terminator" % self.limit_chunk_size_line)
            return None
        line = self.pending[self.position : end]
        self.position = end + 2
        size, separator, extension = line.partition(b";")
        if separator:
            if b"\r" in extension:
                raise InvalidChunkExtension("bare CR not allowed")
            size = size.rstrip(b" \t")
        if not size or not HEX_DIGITS.issuperset(size):
            raise InvalidChunkSize(size)
        if separator and not gunicorn_body.CHUNK_EXT_RE.fullmatch(b";" + extension):
            raise InvalidChunkExtension("invalid chunk extension")
        return int(size, 16)

    def _finish(self) -> None:
        """The last frame was read: the trailers (gunicorn's parser, which hands back whatever
        follows them to the unreader)."""
        rest = self.pending[self.position :]
        self.pending, self.position, self.done = b"", 0, True
        self.parse_trailers(self.unreader, rest)

    def read(self, size: int) -> bytes:
        if not isinstance(size, int):
            raise TypeError("size must be an integer type")
        if size < 0:
            raise ValueError("Size must be positive.")
        pieces: list[memoryview] = []
        wanted = size
        while wanted and not self.done:
            if self.chunk_left:
                available = len(self.pending) - self.position
                if not available:
                    if pieces:
                        break  # hand out what is here rather than wait for the socket
                    self._receive()
                    continue
                take = min(self.chunk_left, available, wanted)
                pieces.append(memoryview(self.pending)[self.position : self.position + take])
                self.position += take
                self.chunk_left -= take
                wanted -= take
                self.after_data = self.chunk_left == 0
                continue
            if self.after_data:
                if len(self.pending) - self.position < 2:
                    self._receive()
                    continue
                if self.pending[self.position : self.position + 2] != b"\r\n":
                    raise ChunkMissingTerminator(self.pending[self.position : self.position + 2])
                self.position += 2
                self.after_data = False
            frame = self._size_line()
            if frame is None:
                self._receive()
            elif frame == 0:
                self._finish()
            else:
                self.chunk_left = frame
        return b"".join(pieces)


def install() -> None:
    """Makes gunicorn's request parser build this reader for chunked bodies (its module looks
    the class up by name when each request's body is set up)."""
    gunicorn_message.ChunkedReader = ChunkedBodyReader
