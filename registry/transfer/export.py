"""Writes an export plan as an OCI image layout tarball, streamed: each blob goes from storage
into the tar in chunks, hashed on the way, so a copy that no longer matches its digest stops
the export instead of reaching another site."""

from __future__ import annotations

import io
import tarfile
import time
from collections.abc import Callable
from typing import BinaryIO

from registry.digests import ResumableHash, digest_algorithm
from registry.storage import storage_for
from registry.storage.paths import blob_path
from registry.transfer.layout import OCI_LAYOUT, blob_member, index_render
from registry.transfer.selectors import ExportPlan

Progress = Callable[[int], None]


class StoredBlobCorrupt(Exception):
    pass


class _HashingReader(io.RawIOBase):
    """The stored blob, checked against its digest once its last byte is read."""

    def __init__(self, stream: BinaryIO, digest: str, size: int, progress: Progress) -> None:
        self.stream, self.digest, self.size, self.progress = stream, digest, size, progress
        self.hasher = ResumableHash(digest_algorithm(digest))
        self.seen = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(size)
        self.hasher.update(chunk)
        self.seen += len(chunk)
        self.progress(len(chunk))
        if self.seen == self.size and self.hasher.digest() != self.digest:
            raise StoredBlobCorrupt(f"the stored copy of {self.digest} does not match its digest")
        return chunk


def _member(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o644, int(time.time())
    return info


def _add_bytes(tar: tarfile.TarFile, name: str, content: bytes, progress: Progress) -> None:
    tar.addfile(_member(name, len(content)), io.BytesIO(content))
    progress(len(content))


def layout_export(*, plan: ExportPlan, out: BinaryIO, progress: Progress) -> None:
    # "w|": a plain stream, never seeked, so OUT may be a pipe.
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        _add_bytes(tar, "oci-layout", OCI_LAYOUT, lambda _: None)
        for digest, (size, location) in sorted(plan.blobs.items()):
            with storage_for(location).open(blob_path(digest)) as stream:
                tar.addfile(
                    _member(blob_member(digest), size), _HashingReader(stream, digest, size, progress)
                )
        for digest, content in sorted(plan.manifests.items()):
            _add_bytes(tar, blob_member(digest), content, progress)
        _add_bytes(tar, "index.json", index_render(plan.refs), lambda _: None)
