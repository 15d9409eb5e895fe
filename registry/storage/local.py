"""Objects as files under one directory."""

from __future__ import annotations

import os
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from registry.storage.base import (
    BlobStat,
    BlobWriter,
    PathNotFound,
    StorageConfigError,
    StorageDriver,
)

# One cleanup looks at this many temporary files at most; the next run sees the rest.
PARTIAL_SCAN_LIMIT = 100_000


class LocalBlobWriter(BlobWriter):
    def __init__(self, final: Path) -> None:
        self.final = final
        final.parent.mkdir(parents=True, exist_ok=True)
        # A private temporary name, renamed into place: readers never see half an object.
        self.temporary = final.with_name(f".{final.name}.{uuid.uuid4().hex}.part")
        self.file = open(self.temporary, "wb", buffering=0)  # noqa: SIM115
        self.size = 0

    def write(self, data: bytes | memoryview) -> None:
        view = memoryview(data)
        while view:
            written = self.file.write(view)
            view = view[written:]
            self.size += written

    def commit(self) -> None:
        self.file.close()
        os.replace(self.temporary, self.final)

    def cancel(self) -> None:
        self.file.close()
        self.temporary.unlink(missing_ok=True)


class LocalStorage(StorageDriver):
    def __init__(self, *, storage_path: str) -> None:
        if not storage_path:
            raise StorageConfigError("LocalStorage needs storage_path")
        self.root = Path(storage_path).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _full(self, path: str) -> Path:
        # A lexical check, not resolve(): resolving costs a stat per path component per request.
        if path.startswith("/") or ".." in path.split("/"):
            raise ValueError(f"path escapes the storage root: {path!r}")
        return self.root / path

    def open(self, path: str, offset: int = 0) -> BinaryIO:
        try:
            stream = open(self._full(path), "rb")  # noqa: SIM115
        except FileNotFoundError:
            raise PathNotFound(path) from None
        if offset:
            stream.seek(offset)
        return stream

    def writer(self, path: str) -> BlobWriter:
        return LocalBlobWriter(self._full(path))

    def stat(self, path: str) -> BlobStat:
        try:
            return BlobStat(size=self._full(path).stat().st_size)
        except FileNotFoundError:
            raise PathNotFound(path) from None

    def delete(self, path: str) -> None:
        full = self._full(path)
        full.unlink(missing_ok=True)
        self._remove_empty_upload_folder(full)

    def move(self, source: str, destination: str) -> None:
        full = self._full(destination)
        full.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(self._full(source), full)
        except FileNotFoundError:
            raise PathNotFound(source) from None
        self._remove_empty_upload_folder(self._full(source))

    def _remove_empty_upload_folder(self, full: Path) -> None:
        # An upload's folder is left empty once its last segment is gone.
        parent = full.parent
        if parent.parent.name == "uploads" and parent.parent.parent == self.root:
            try:
                parent.rmdir()
            except OSError:
                pass

    def partial_writes_abort(self, *, older_than: timedelta) -> int:
        """Removes temporary files a crashed writer left (never renamed into place)."""
        cutoff = time.time() - older_than.total_seconds()
        removed = 0
        for number, temporary in enumerate(self.root.rglob(".*.part")):
            if number >= PARTIAL_SCAN_LIMIT:
                break
            try:
                if temporary.stat().st_mtime < cutoff:
                    temporary.unlink()
                    removed += 1
            except FileNotFoundError:
                # Its writer committed or cancelled it meanwhile.
                continue
        return removed

    def local_file(self, path: str) -> str | None:
        return str(self._full(path))
