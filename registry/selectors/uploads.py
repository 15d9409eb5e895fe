"""Reads of blob uploads in progress."""

from __future__ import annotations

from registry.errors import BlobUploadUnknown
from registry.models import BlobUpload
from registry.names import repository_name_split
from registry.selectors.hot_path import upload_by_uuid
from registry.storage.paths import UUID_RE


def upload_get(*, full_name: str, upload_uuid: str) -> BlobUpload:
    """The upload with its repository, found by names in one query."""
    namespace, name = repository_name_split(full_name)
    if not UUID_RE.fullmatch(upload_uuid):
        raise BlobUploadUnknown(detail={"uuid": upload_uuid[:64]})
    upload = upload_by_uuid(namespace=namespace, name=name, upload_uuid=upload_uuid)
    if upload is None:
        raise BlobUploadUnknown(detail={"uuid": upload_uuid[:64]})
    return upload
