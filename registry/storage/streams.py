"""Readable file objects over the chunk iterators cloud SDKs hand back for a download."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO, cast

READ_BUFFER = 1024 * 1024


class _ChunkReader(io.RawIOBase):
    def __init__(self, chunks: Iterable[bytes], on_close: Callable[[], None] | None) -> None:
        self._chunks: Iterator[bytes] = iter(chunks)
        self._pending = memoryview(b"")
        self._on_close = on_close

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = memoryview(chunk)
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count

    def close(self) -> None:
        if not self.closed and self._on_close is not None:
            self._on_close()
        super().close()


def chunk_stream(chunks: Iterable[bytes], on_close: Callable[[], None] | None = None) -> BinaryIO:
    """A buffered reader: read(n) returns n bytes until the end, whatever size the chunks come in."""
    return cast(BinaryIO, io.BufferedReader(_ChunkReader(chunks, on_close), READ_BUFFER))
