"""The one storage interface every driver implements.

Drivers know paths and bytes, never manifests or tenants; paths come from registry.storage.paths.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import BinaryIO

COPY_CHUNK = 1024 * 1024


class PathNotFound(Exception):
    pass


class StorageConfigError(Exception):
    pass


@dataclass(frozen=True)
class BlobStat:
    size: int


class BlobWriter(ABC):
    """Streams one new object; nothing is visible at its path until commit()."""

    size: int = 0

    @abstractmethod
    def write(self, data: bytes | memoryview) -> None: ...

    @abstractmethod
    def commit(self) -> None: ...

    @abstractmethod
    def cancel(self) -> None: ...

    def __enter__(self) -> BlobWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            self.cancel()


class StorageDriver(ABC):
    @abstractmethod
    def open(self, path: str, offset: int = 0) -> BinaryIO:
        """A readable stream from offset to the end; raises PathNotFound."""

    @abstractmethod
    def writer(self, path: str) -> BlobWriter: ...

    @abstractmethod
    def stat(self, path: str) -> BlobStat:
        """Raises PathNotFound."""

    @abstractmethod
    def delete(self, path: str) -> None:
        """Deleting a missing path is not an error: deletes are retried after crashes."""

    def exists(self, path: str) -> bool:
        try:
            self.stat(path)
        except PathNotFound:
            return False
        return True

    def move(self, source: str, destination: str) -> None:
        self.concat(destination, [source])
        self.delete(source)

    def concat(self, destination: str, sources: Iterable[str]) -> None:
        """Writes the sources, in order, as one object at destination."""
        with self.writer(destination) as out:
            for source in sources:
                with self.open(source) as stream:
                    while chunk := stream.read(COPY_CHUNK):
                        out.write(chunk)
            out.commit()

    def partial_writes_abort(self, *, older_than: timedelta) -> int:
        """Discards writes begun longer ago than ``older_than`` that were never committed or
        cancelled (a server crashed mid-write); returns how many. Drivers whose writes leave
        nothing behind have none."""
        return 0

    def redirect_url(self, path: str, expires_in: int) -> str | None:
        """A short-lived URL a client may fetch the object from directly, where the store has one."""
        return None

    def verify(self) -> None:
        """Raises StorageConfigError when the store cannot be reached or refuses the configured
        credentials or bucket; start-up calls it so a bad location stops the server at once.
        A local disk has nothing to reach."""
        return None

    def local_file(self, path: str) -> str | None:
        """A filesystem path the server may sendfile() from, for drivers on a local disk."""
        return None
