"""A repository's blobs: GET and HEAD (whole, by range, or redirected to the store), DELETE."""

from __future__ import annotations

import re

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse

from registry.errors import DigestInvalid, RangeInvalid
from registry.names import RepositoryName, is_digest
from registry.selectors.blobs import blob_get_in_repository
from registry.selectors.repositories import repository_get
from registry.services.blobs import blob_unlink, stream_read
from registry.v2.http import NUMBER_DIGITS_MAX, empty_response, with_headers
from registry.v2.tokens import Claims

REDIRECT_SECONDS = 300


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """'bytes=START-END' -> (start, end inclusive); raises RangeInvalid when unsatisfiable."""
    match = re.fullmatch(r"bytes=([0-9]*)-([0-9]*)", header.strip())
    if not match or match.groups() == ("", ""):
        return None
    if any(len(number) > NUMBER_DIGITS_MAX for number in match.groups()):
        raise RangeInvalid(detail={"range": header[:100], "size": size})
    first, last = match.groups()
    if first == "":
        start, end = max(size - int(last), 0), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        raise RangeInvalid(detail={"range": header, "size": size})
    return start, end


def blob_get(
    request: HttpRequest, *, repository_name: RepositoryName, digest: str, **_: object
) -> HttpResponse:
    if not is_digest(digest):
        raise DigestInvalid(detail={"digest": digest[:150]}, message="not a digest")
    blob = blob_get_in_repository(repository_name=repository_name, digest=digest)
    headers = {
        "Docker-Content-Digest": digest,
        "Accept-Ranges": "bytes",
        "ETag": f'"{digest}"',
        "Cache-Control": "max-age=31536000",
    }
    if request.method == "HEAD":
        response = empty_response(200, Content_Length=str(blob.size), **headers)
        response.headers["Content-Type"] = "application/octet-stream"
        return response
    range_header = request.META.get("HTTP_RANGE")
    byte_range = _byte_range(range_header, blob.size) if range_header else None
    storage = blob.storage
    if byte_range is None and not settings.STORAGE_PROXY:
        url = storage.redirect_url(blob.path, REDIRECT_SECONDS)
        if url:
            return with_headers(HttpResponseRedirect(url, status=307), **headers)
    if byte_range is None:
        local = storage.local_file(blob.path)
        if local:
            response = FileResponse(open(local, "rb"), content_type="application/octet-stream")
            # Sent in 4 MiB reads rather than gunicorn's sendfile(): bench/ measured this faster
            # (about 2.3 against 1.5 GB/s), and one buffer per pull still never holds a layer.
            response.block_size = 4 * 1024 * 1024
            response.headers["Content-Length"] = str(blob.size)
            return with_headers(response, **headers)
        start, end, status = 0, blob.size - 1, 200
    else:
        (start, end), status = byte_range, 206
        headers["Content-Range"] = f"bytes {start}-{end}/{blob.size}"
    length = end - start + 1 if blob.size else 0
    response = StreamingHttpResponse(
        stream_read(storage.open(blob.path, start), length),
        status=status,
        content_type="application/octet-stream",
    )
    response.headers["Content-Length"] = str(length)
    return with_headers(response, **headers)


def blob_delete(
    request: HttpRequest, *, claims: Claims, repository_name: RepositoryName, digest: str, **_: object
) -> HttpResponse:
    if not is_digest(digest):
        raise DigestInvalid(detail={"digest": digest[:150]}, message="not a digest")
    repository = repository_get(full_name=repository_name.full)
    blob_unlink(repository=repository, digest=digest, pusher_id=claims.user_id)
    return empty_response(202, Docker_Content_Digest=digest)
