"""A layer's bytes as a bounded, decompressed stream for ``tarfile`` in stream mode.

Nothing is extracted to disk and nothing is held beyond one read. The bounds make a hostile
layer cost bounded time and memory: gzip output is held to a ratio of the compressed bytes read
(a zip bomb's 1000:1 stops after the first megabytes), to an absolute size, and to a wall-clock
deadline; tar's own metadata members (PAX and GNU long-name headers, which ``tarfile`` reads
into memory whole) are held to a small size before they are read.
"""

from __future__ import annotations

import io
import tarfile
import time
import zlib
from typing import BinaryIO

READ_CHUNK = 1 << 20
# Real layers compress text and binaries 2-10:1; sparse files and zeros reach a few hundred.
RATIO_MAX = 200
# The ratio applies past this much output: tiny layers of repeated bytes are not bombs.
RATIO_GRACE = 8 << 20
UNCOMPRESSED_MAX = 16 << 30
# PAX and GNU long-name headers are read whole into memory by tarfile.
META_MEMBER_MAX = 1 << 20
DEADLINE_SECONDS = 300.0
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class LayerInvalid(Exception):
    """The layer cannot be indexed safely or at all; the message says why, for the report."""


class BoundedLayerReader(io.RawIOBase):
    """Reads ``raw`` (gzip or plain tar), decompressing with the bounds above."""

    def __init__(
        self,
        raw: BinaryIO,
        *,
        ratio_max: int = RATIO_MAX,
        uncompressed_max: int = UNCOMPRESSED_MAX,
        deadline_seconds: float = DEADLINE_SECONDS,
    ) -> None:
        self._raw = raw
        self._ratio_max = ratio_max
        self._uncompressed_max = uncompressed_max
        self._deadline = time.monotonic() + deadline_seconds
        self._pending = b""
        self._offset = 0
        self._decompressor: zlib._Decompress | None = None
        self._done = False
        self.compressed_read = 0
        self.uncompressed_read = 0
        head = self._raw_read(READ_CHUNK)
        if head.startswith(ZSTD_MAGIC):
            raise LayerInvalid("zstd-compressed layers are not supported by the built-in indexer")
        if head.startswith(GZIP_MAGIC):
            # wbits 31: gzip framing. A layer may be several gzip members one after another.
            self._decompressor = zlib.decompressobj(31)
            self._input = head
        else:
            self._count(len(head))
            self._pending = head
            self._input = b""

    def readable(self) -> bool:
        return True

    def _raw_read(self, size: int) -> bytes:
        data = self._raw.read(size)
        self.compressed_read += len(data)
        return data

    def _count(self, produced: int) -> None:
        self.uncompressed_read += produced
        if self.uncompressed_read > self._uncompressed_max:
            raise LayerInvalid(f"layer expands past {self._uncompressed_max} bytes")
        if (
            self._decompressor is not None
            and self.uncompressed_read > RATIO_GRACE
            and self.uncompressed_read > self._ratio_max * max(self.compressed_read, 1)
        ):
            raise LayerInvalid(
                f"archive bomb: {self.compressed_read} compressed bytes expand past "
                f"{self.uncompressed_read} (over {self._ratio_max}:1)"
            )
        if time.monotonic() > self._deadline:
            raise LayerInvalid("indexing the layer took too long")

    def _next_chunk(self) -> bytes:
        """The next piece of tar bytes, at most READ_CHUNK; b"" at the end."""
        if self._decompressor is None:
            data = self._raw_read(READ_CHUNK)
            self._count(len(data))
            return data
        while not self._done:
            data = self._input or self._raw_read(READ_CHUNK)
            if not data:
                if not self._decompressor.eof:
                    raise LayerInvalid("corrupt gzip stream: truncated")
                return b""
            try:
                # Bounded output per call, so the ratio is checked before more is produced.
                out = self._decompressor.decompress(data, READ_CHUNK)
            except zlib.error as error:
                raise LayerInvalid(f"corrupt gzip stream: {error}") from None
            self._input = self._decompressor.unconsumed_tail
            if self._decompressor.eof:
                rest = self._decompressor.unused_data or self._raw_read(READ_CHUNK)
                if rest.startswith(GZIP_MAGIC):
                    self._decompressor = zlib.decompressobj(31)
                    self._input = rest
                else:
                    # Bytes past the last member are ignored, as gzip(1) does.
                    self._done = True
            self._count(len(out))
            if out:
                return out
        return b""

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._offset >= len(self._pending):
            self._pending, self._offset = self._next_chunk(), 0
        # An offset into the chunk, not a slice of it: tarfile reads 10 KiB at a time.
        size = min(len(buffer), len(self._pending) - self._offset)
        buffer[:size] = memoryview(self._pending)[self._offset : self._offset + size]
        self._offset += size
        return size


class BoundedTarInfo(tarfile.TarInfo):
    """Refuses metadata members whose declared size tarfile would read into memory whole."""

    def _proc_member(self, tarfile_: tarfile.TarFile) -> tarfile.TarInfo:
        if self.type in tarfile.GNU_TYPES + (tarfile.XHDTYPE, tarfile.XGLTYPE, tarfile.SOLARIS_XHDTYPE):
            if self.size > META_MEMBER_MAX and self.type != tarfile.GNUTYPE_SPARSE:
                raise LayerInvalid(f"tar metadata member declares {self.size} bytes")
        return super()._proc_member(tarfile_)  # type: ignore[misc]
