"""Blob uploads: start (or mount, or push whole), append chunks, finish, status, cancel."""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse

from registry.errors import RangeInvalid, RegistryError, Unsupported
from registry.models import Repository
from registry.names import RepositoryName, is_digest
from registry.selectors.repositories import repository_get
from registry.selectors.uploads import upload_get
from registry.services import uploads
from registry.services.blobs import blob_mount
from registry.services.repositories import repository_get_or_create
from registry.v2.http import NUMBER_DIGITS_MAX, body_chunks, empty_response, token_user
from registry.v2.tokens import Claims


def _upload_headers(repository_name: RepositoryName, upload_uuid: str, offset: int) -> dict[str, str]:
    return {
        "Location": f"/v2/{repository_name.full}/blobs/uploads/{upload_uuid}",
        "Range": f"0-{max(offset - 1, 0)}",
        "Docker-Upload-UUID": upload_uuid,
    }


def _blob_created(repository_name: RepositoryName, digest: str) -> HttpResponse:
    return empty_response(
        201, Location=f"/v2/{repository_name.full}/blobs/{digest}", Docker_Content_Digest=digest
    )


def _mounted(request: HttpRequest, claims: Claims, repository: Repository) -> str | None:
    """The mounted digest when ``?mount=&from=`` names a blob the token may read there."""
    mount, source = request.GET.get("mount"), request.GET.get("from")
    if not (mount and source and is_digest(mount) and claims.allows("repository", source, "pull")):
        return None
    try:
        source_repository = repository_get(full_name=source)
    except RegistryError:
        return None
    if blob_mount(repository=repository, digest=mount, source=source_repository, pusher_id=claims.user_id):
        return mount
    return None


def upload_post(
    request: HttpRequest, *, claims: Claims, repository_name: RepositoryName, uuid: str, **_: object
) -> HttpResponse:
    if uuid:
        raise Unsupported(detail={"method": "POST"})
    repository = repository_get_or_create(full_name=repository_name.full, creator=token_user(claims))
    mounted = _mounted(request, claims, repository)
    if mounted:
        return _blob_created(repository_name, mounted)
    digest = request.GET.get("digest")
    if digest is not None:
        blob = uploads.blob_upload_monolithic(
            repository=repository, pusher_id=claims.user_id, digest=digest, chunks=body_chunks(request)
        )
        return _blob_created(repository_name, blob.digest)
    upload = uploads.upload_start(
        repository=repository, pusher_id=claims.user_id, algorithm=request.GET.get("digest-algorithm")
    )
    return empty_response(202, **_upload_headers(repository_name, upload.uuid, 0))


def _content_range_start(request: HttpRequest) -> int | None:
    header = request.META.get("HTTP_CONTENT_RANGE")
    if not header:
        return None
    number = f"([0-9]{{1,{NUMBER_DIGITS_MAX}}})"
    match = re.fullmatch(rf"(?:bytes[ =])?{number}-{number}(?:/[0-9]+|/\*)?", header.strip())
    if not match or int(match.group(2)) < int(match.group(1)):
        raise RangeInvalid(detail={"Content-Range": header[:100]})
    return int(match.group(1))


def upload_patch(
    request: HttpRequest, *, claims: Claims, repository_name: RepositoryName, uuid: str, **_: object
) -> HttpResponse:
    upload = upload_get(full_name=repository_name.full, upload_uuid=uuid)
    upload = uploads.upload_append(
        upload=upload,
        pusher_id=claims.user_id,
        chunks=body_chunks(request),
        range_start=_content_range_start(request),
    )
    return empty_response(202, **_upload_headers(repository_name, upload.uuid, upload.offset))


def upload_put(
    request: HttpRequest, *, claims: Claims, repository_name: RepositoryName, uuid: str, **_: object
) -> HttpResponse:
    upload = upload_get(full_name=repository_name.full, upload_uuid=uuid)
    blob = uploads.upload_finish(
        upload=upload,
        pusher_id=claims.user_id,
        digest=request.GET.get("digest"),
        chunks=body_chunks(request),
        range_start=_content_range_start(request),
    )
    return _blob_created(repository_name, blob.digest)


def upload_status(
    request: HttpRequest, *, repository_name: RepositoryName, uuid: str, **_: object
) -> HttpResponse:
    upload = upload_get(full_name=repository_name.full, upload_uuid=uuid)
    return empty_response(204, **_upload_headers(repository_name, upload.uuid, upload.offset))


def upload_delete(
    request: HttpRequest, *, claims: Claims, repository_name: RepositoryName, uuid: str, **_: object
) -> HttpResponse:
    upload = upload_get(full_name=repository_name.full, upload_uuid=uuid)
    uploads.upload_cancel(upload=upload, pusher_id=claims.user_id)
    return empty_response(204)
