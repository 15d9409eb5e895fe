"""Blobs: one stored copy per digest, linked into repositories."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.db import IntegrityError, transaction

from registry import selectors
from registry.digests import ResumableSha256
from registry.errors import BlobUnknown, NameUnknown
from registry.models import Blob, BlobPlacement, Repository, RepositoryBlob
from registry.storage import preferred_location, storage_for
from registry.storage.base import BlobWriter, StorageDriver
from registry.storage.paths import blob_path


@dataclass(frozen=True)
class StoredBlob:
    digest: str
    size: int
    location: str

    @property
    def storage(self) -> StorageDriver:
        return storage_for(self.location)

    @property
    def path(self) -> str:
        return blob_path(self.digest)


def blob_get_in_repository(*, namespace: str, name: str, digest: str) -> StoredBlob:
    row = selectors.blob_row_in_repository(namespace=namespace, name=name, digest=digest)
    if row is None:
        if not selectors.repository_exists(namespace=namespace, name=name):
            raise NameUnknown(detail={"name": f"{namespace}/{name}"})
        raise BlobUnknown(detail={"digest": digest})
    return StoredBlob(digest=digest, size=row[0], location=row[1])


def blob_link(*, repository: Repository, blob: Blob) -> None:
    try:
        with transaction.atomic():
            RepositoryBlob.objects.get_or_create(repository=repository, blob=blob)
    except IntegrityError:
        pass  # linked concurrently


def blob_record(*, digest: str, size: int, location: str) -> Blob:
    """Creates the Blob and its placement rows, tolerating a concurrent push of the same digest."""
    try:
        with transaction.atomic():
            blob, _ = Blob.objects.get_or_create(digest=digest, defaults={"size": size})
    except IntegrityError:
        blob = Blob.objects.get(digest=digest)
    try:
        with transaction.atomic():
            BlobPlacement.objects.get_or_create(blob=blob, location=location)
    except IntegrityError:
        pass
    return blob


def blob_stored_location(*, digest: str) -> str | None:
    """Where an identical blob already lives, so a second push stores nothing new."""
    locations = set(BlobPlacement.objects.filter(blob__digest=digest).values_list("location", flat=True))
    location = preferred_location()
    return location if location in locations else next(iter(locations), None)


def blob_mount(*, repository: Repository, digest: str, source: Repository) -> Blob | None:
    blob = Blob.objects.filter(digest=digest, repository_links__repository=source).first()
    if blob is not None:
        blob_link(repository=repository, blob=blob)
    return blob


def blob_unlink(*, repository: Repository, digest: str) -> None:
    deleted, _ = RepositoryBlob.objects.filter(repository=repository, blob__digest=digest).delete()
    if not deleted:
        raise BlobUnknown(detail={"digest": digest})


def stream_into(chunks: Iterable[bytes], writer: BlobWriter, hasher: ResumableSha256 | None) -> int:
    """The one pass: every chunk is hashed and written as it arrives, never gathered."""
    for chunk in chunks:
        if hasher is not None:
            hasher.update(chunk)
        writer.write(chunk)
    return writer.size


def stream_read(stream: BinaryIO, length: int, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
    """Yields up to length bytes of a storage stream, then closes it."""
    try:
        remaining = length
        while remaining > 0:
            chunk = stream.read(min(chunk_size, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk
    finally:
        stream.close()
