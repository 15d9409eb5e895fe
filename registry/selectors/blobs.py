"""Reads of blobs: a blob the registry serves from a repository, with the store that holds it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from registry.errors import BlobUnknown, NameUnknown
from registry.models import Blob
from registry.names import RepositoryName
from registry.selectors.hot_path import blob_rows_in_repository
from registry.selectors.placement import pull_location
from registry.selectors.repositories import repository_exists
from registry.storage import storage_for
from registry.storage.base import StorageDriver
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


def blob_get_in_repository(*, repository_name: RepositoryName, digest: str) -> StoredBlob:
    namespace, name = repository_name.namespace, repository_name.name
    rows = blob_rows_in_repository(namespace=namespace, name=name, digest=digest)
    if not rows:
        if not repository_exists(namespace=namespace, name=name):
            raise NameUnknown(detail={"name": repository_name.full})
        raise BlobUnknown(detail={"digest": digest})
    # Only a finished copy is placed: until then the source's placement serves the pull.
    location = pull_location([location for _, location in rows])
    return StoredBlob(digest=digest, size=rows[0][0], location=location)


def blob_total() -> int:
    return Blob.objects.count()


def blob_id_batches(*, size: int) -> Iterator[list[int]]:
    """Every blob id in ascending order, ``size`` at a time, each batch one keyset query."""
    after = 0
    while batch := list(Blob.objects.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:size]):
        yield batch
        after = batch[-1]
