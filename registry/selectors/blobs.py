"""Reads of blobs: a blob the registry serves from a repository, with the store that holds it."""

from __future__ import annotations

from dataclasses import dataclass

from registry.errors import BlobUnknown, NameUnknown
from registry.names import RepositoryName
from registry.selectors.hot_path import blob_row_in_repository
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
    row = blob_row_in_repository(namespace=namespace, name=name, digest=digest)
    if row is None:
        if not repository_exists(namespace=namespace, name=name):
            raise NameUnknown(detail={"name": repository_name.full})
        raise BlobUnknown(detail={"digest": digest})
    return StoredBlob(digest=digest, size=row[0], location=row[1])
