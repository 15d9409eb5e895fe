"""The OCI distribution API under /v2/: parse, check the token's scope, call a service, render."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import cast

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.utils.functional import SimpleLazyObject
from django.views.decorators.csrf import csrf_exempt

from orgs.audit import CREDENTIAL_ANONYMOUS, audit_log_registry
from orgs.models import User
from registry.errors import (
    DigestInvalid,
    ManifestInvalid,
    PaginationInvalid,
    QueryInvalid,
    RangeInvalid,
    RegistryError,
    RouteUnknown,
    TooLarge,
    Unauthorized,
    Unsupported,
)
from registry.http import (
    bearer_claims,
    body_chunks,
    body_read_limited,
    error_response,
    json_response,
)
from registry.manifest_formats import OCI_INDEX
from registry.names import is_digest, repository_name_split
from registry.services import blobs, manifests, repositories, uploads
from registry.services.catalog import catalog_list
from registry.services.tags import tag_delete_registry, tag_names
from registry.services.uploads import BodyIncomplete
from registry.tokens import Claims

REDIRECT_SECONDS = 300
LIST_MAX = 1000
# Offsets and sizes fit PostgreSQL's bigint; a longer number is refused before int() sees it
# (which raises past 4,300 digits).
NUMBER_DIGITS_MAX = 18

ROUTES = [
    (re.compile(r"^(?P<name>.+)/blobs/uploads/?(?P<uuid>[^/]*)$"), "upload"),
    (re.compile(r"^(?P<name>.+)/blobs/(?P<digest>[^/]+)$"), "blob"),
    (re.compile(r"^(?P<name>.+)/manifests/(?P<reference>[^/]+)$"), "manifest"),
    (re.compile(r"^(?P<name>.+)/tags/list$"), "tags"),
    (re.compile(r"^(?P<name>.+)/referrers/(?P<digest>[^/]+)$"), "referrers"),
]


def _with_headers(response: HttpResponse, **headers: str) -> HttpResponse:
    response.headers["Docker-Distribution-API-Version"] = "registry/2.0"
    for key, value in headers.items():
        response.headers[key.replace("_", "-")] = value
    return response


def _empty(status: int, **headers: str) -> HttpResponse:
    response = HttpResponse(b"", status=status)
    response.headers["Content-Length"] = "0"
    return _with_headers(response, **headers)


@csrf_exempt
def ping(request: HttpRequest) -> HttpResponse:
    if bearer_claims(request) is None:
        return error_response(request, Unauthorized())
    return json_response({})


def _required_action(method: str) -> str:
    if method in ("GET", "HEAD"):
        return "pull"
    if method == "DELETE":
        return "delete"
    return "push"


def _route(path: str) -> tuple[str, dict[str, str]] | None:
    for pattern, kind in ROUTES:
        match = pattern.match(path)
        if match:
            return kind, match.groupdict()
    return None


@csrf_exempt
def route_unknown(request: HttpRequest) -> HttpResponse:
    return error_response(request, RouteUnknown(detail={"path": request.path[:200]}))


def _query_check(request: HttpRequest) -> None:
    """Refuses what no handler could use and PostgreSQL could not store (NUL), and Django's
    own refusals (too many fields), which would otherwise answer in HTML."""
    try:
        values = [value for _, value in request.GET.lists() for value in value]
    except SuspiciousOperation:
        raise QueryInvalid(detail={"reason": "too many query parameters"}) from None
    if any("\x00" in value for value in values):
        raise QueryInvalid(detail={"reason": "a query parameter holds NUL"})


def _challenge_scope(request: HttpRequest, kind: str, full_name: str, action: str) -> str:
    """The scopes a client should ask /v2/auth for. A mount also needs pull on its source, so
    it is asked for too (space-separated, as the reference registry does): with only the
    target's scope the token would turn the mount into a new upload."""
    scope = f"repository:{full_name}:{action}"
    source = request.GET.get("from", "")
    if kind == "upload" and request.method == "POST" and request.GET.get("mount") and source:
        try:
            repository_name_split(source)
        except RegistryError:
            return scope  # not a name: never echoed into a header
        scope += f" repository:{source}:pull"
    return scope


@csrf_exempt
def dispatch(request: HttpRequest, path: str) -> HttpResponse:
    routed = _route(path)
    if routed is None:
        return route_unknown(request)
    kind, params = routed
    full_name = params.pop("name")
    action = _required_action(request.method)
    scope = f"repository:{full_name}:{action}"
    try:
        _query_check(request)
        scope = _challenge_scope(request, kind, full_name, action)
        namespace, name = repository_name_split(full_name)
        claims = bearer_claims(request)
        if claims is None or not claims.allows("repository", full_name, action):
            return error_response(request, Unauthorized(), scope, insufficient=claims is not None)
        handler = HANDLERS.get((kind, request.method))
        if handler is None:
            raise Unsupported(detail={"method": request.method})
        return handler(request, claims=claims, full_name=full_name, namespace=namespace, name=name, **params)
    except RegistryError as error:
        return error_response(request, error, scope)


# Blobs ----------------------------------------------------------------------------------------


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


def blob_get(request: HttpRequest, *, namespace: str, name: str, digest: str, **_: object) -> HttpResponse:
    if not is_digest(digest):
        raise DigestInvalid(detail={"digest": digest[:150]}, message="not a digest")
    blob = blobs.blob_get_in_repository(namespace=namespace, name=name, digest=digest)
    headers = {
        "Docker-Content-Digest": digest,
        "Accept-Ranges": "bytes",
        "ETag": f'"{digest}"',
        "Cache-Control": "max-age=31536000",
    }
    if request.method == "HEAD":
        response = _empty(200, Content_Length=str(blob.size), **headers)
        response.headers["Content-Type"] = "application/octet-stream"
        return response
    range_header = request.META.get("HTTP_RANGE")
    byte_range = _byte_range(range_header, blob.size) if range_header else None
    storage = blob.storage
    if byte_range is None and not settings.STORAGE_PROXY:
        url = storage.redirect_url(blob.path, REDIRECT_SECONDS)
        if url:
            return _with_headers(HttpResponseRedirect(url, status=307), **headers)
    if byte_range is None:
        local = storage.local_file(blob.path)
        if local:
            response = FileResponse(open(local, "rb"), content_type="application/octet-stream")
            # Sent in 4 MiB reads rather than gunicorn's sendfile(): bench/ measured this faster
            # (about 2.3 against 1.5 GB/s), and one buffer per pull still never holds a layer.
            response.block_size = 4 * 1024 * 1024
            response.headers["Content-Length"] = str(blob.size)
            return _with_headers(response, **headers)
        start, end, status = 0, blob.size - 1, 200
    else:
        (start, end), status = byte_range, 206
        headers["Content-Range"] = f"bytes {start}-{end}/{blob.size}"
    length = end - start + 1 if blob.size else 0
    response = StreamingHttpResponse(
        blobs.stream_read(storage.open(blob.path, start), length),
        status=status,
        content_type="application/octet-stream",
    )
    response.headers["Content-Length"] = str(length)
    return _with_headers(response, **headers)


def blob_delete(
    request: HttpRequest, *, claims: Claims, full_name: str, digest: str, **_: object
) -> HttpResponse:
    if not is_digest(digest):
        raise DigestInvalid(detail={"digest": digest[:150]}, message="not a digest")
    repository = repositories.repository_get(full_name=full_name)
    blobs.blob_unlink(repository=repository, digest=digest, pusher_id=claims.user_id)
    return _empty(202, Docker_Content_Digest=digest)


# Uploads --------------------------------------------------------------------------------------


def _token_user(claims: Claims) -> User | None:
    """The token's user, read only if used: only creating a repository needs it."""
    if claims.user_id is None:
        return None

    def load() -> User:
        user = User.objects.filter(pk=claims.user_id, is_active=True).first()
        if user is None:
            # Deleted or disabled since the token was issued: it may no longer create anything.
            raise Unauthorized(message="the token's user no longer exists or is disabled")
        return user

    return cast(User, SimpleLazyObject(load))


def _upload_headers(full_name: str, upload_uuid: str, offset: int) -> dict[str, str]:
    return {
        "Location": f"/v2/{full_name}/blobs/uploads/{upload_uuid}",
        "Range": f"0-{max(offset - 1, 0)}",
        "Docker-Upload-UUID": upload_uuid,
    }


def _blob_created(full_name: str, digest: str) -> HttpResponse:
    return _empty(201, Location=f"/v2/{full_name}/blobs/{digest}", Docker_Content_Digest=digest)


def upload_post(
    request: HttpRequest, *, claims: Claims, full_name: str, uuid: str, **_: object
) -> HttpResponse:
    if uuid:
        raise Unsupported(detail={"method": "POST"})
    repository = repositories.repository_get_or_create(full_name=full_name, creator=_token_user(claims))
    mount, source = request.GET.get("mount"), request.GET.get("from")
    if mount and source and is_digest(mount) and claims.allows("repository", source, "pull"):
        try:
            source_repository = repositories.repository_get(full_name=source)
        except RegistryError:
            source_repository = None
        if source_repository and blobs.blob_mount(
            repository=repository, digest=mount, source=source_repository, pusher_id=claims.user_id
        ):
            return _blob_created(full_name, mount)
    digest = request.GET.get("digest")
    if digest is not None:
        blob = uploads.blob_upload_monolithic(
            repository=repository, pusher_id=claims.user_id, digest=digest, chunks=body_chunks(request)
        )
        return _blob_created(full_name, blob.digest)
    upload = uploads.upload_start(
        repository=repository, pusher_id=claims.user_id, algorithm=request.GET.get("digest-algorithm")
    )
    return _empty(202, **_upload_headers(full_name, upload.uuid, 0))


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
    request: HttpRequest, *, claims: Claims, full_name: str, uuid: str, **_: object
) -> HttpResponse:
    upload = uploads.upload_get(full_name=full_name, upload_uuid=uuid)
    upload = uploads.upload_append(
        upload=upload,
        pusher_id=claims.user_id,
        chunks=body_chunks(request),
        range_start=_content_range_start(request),
    )
    return _empty(202, **_upload_headers(full_name, upload.uuid, upload.offset))


def upload_put(
    request: HttpRequest, *, claims: Claims, full_name: str, uuid: str, **_: object
) -> HttpResponse:
    upload = uploads.upload_get(full_name=full_name, upload_uuid=uuid)
    blob = uploads.upload_finish(
        upload=upload,
        pusher_id=claims.user_id,
        digest=request.GET.get("digest"),
        chunks=body_chunks(request),
        range_start=_content_range_start(request),
    )
    return _blob_created(full_name, blob.digest)


def upload_status(request: HttpRequest, *, full_name: str, uuid: str, **_: object) -> HttpResponse:
    upload = uploads.upload_get(full_name=full_name, upload_uuid=uuid)
    return _empty(204, **_upload_headers(full_name, upload.uuid, upload.offset))


def upload_delete(
    request: HttpRequest, *, claims: Claims, full_name: str, uuid: str, **_: object
) -> HttpResponse:
    upload = uploads.upload_get(full_name=full_name, upload_uuid=uuid)
    uploads.upload_cancel(upload=upload, pusher_id=claims.user_id)
    return _empty(204)


# Manifests ------------------------------------------------------------------------------------


def _accept_list(request: HttpRequest) -> list[str]:
    accepted = []
    for header in request.headers.get("Accept", "").split(","):
        media_type = header.split(";", 1)[0].strip()
        if media_type:
            accepted.append(media_type)
    return accepted


def _audit(
    request: HttpRequest, claims: Claims, *, kind: str, namespace: str, name: str, **metadata: str
) -> None:
    """Queues the event for the next batch: no query in this request."""
    audit_log_registry(
        kind=kind,
        performer_id=claims.user_id,
        performer_name=claims.subject,
        credential=claims.credential or CREDENTIAL_ANONYMOUS,
        namespace_name=namespace,
        repository_name=name,
        ip=request.META.get("REMOTE_ADDR"),
        metadata=metadata,
    )


def _reference_metadata(reference: str, digest: str) -> dict[str, str]:
    return {"digest": digest} if is_digest(reference) else {"tag": reference, "digest": digest}


def manifest_get(
    request: HttpRequest, *, claims: Claims, namespace: str, name: str, reference: str, **_: object
) -> HttpResponse:
    found = manifests.manifest_get(
        namespace=namespace, name=name, reference=reference, accept=_accept_list(request)
    )
    if request.method == "GET":
        _audit(
            request,
            claims,
            kind="pull_repo",
            namespace=namespace,
            name=name,
            **_reference_metadata(reference, found.digest),
        )
    body = b"" if request.method == "HEAD" else found.content
    response = HttpResponse(body, content_type=found.media_type)
    response.headers["Content-Length"] = str(len(found.content))
    return _with_headers(response, Docker_Content_Digest=found.digest, ETag=f'"{found.digest}"')


def manifest_put(
    request: HttpRequest,
    *,
    claims: Claims,
    full_name: str,
    namespace: str,
    name: str,
    reference: str,
    **_: object,
) -> HttpResponse:
    limit = settings.REGISTRY_MAX_MANIFEST_SIZE
    declared = request.META.get("CONTENT_LENGTH")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge(detail={"limit": limit})
    try:
        content = body_read_limited(request, limit)
    except BodyIncomplete:
        raise ManifestInvalid(detail={"reason": "the body ended before its announced length"}) from None
    if content is None:
        raise TooLarge(detail={"limit": limit})
    manifest, parsed = manifests.manifest_put(
        full_name=full_name,
        reference=reference,
        content=content,
        content_type=request.META.get("CONTENT_TYPE", ""),
        creator=_token_user(claims),
        pusher_id=claims.user_id,
    )
    _audit(
        request,
        claims,
        kind="push_repo",
        namespace=namespace,
        name=name,
        **_reference_metadata(reference, manifest.digest),
    )
    headers = {
        "Location": f"/v2/{full_name}/manifests/{manifest.digest}",
        "Docker-Content-Digest": manifest.digest,
    }
    if parsed.subject is not None:
        headers["OCI-Subject"] = parsed.subject.digest
    return _empty(201, **{k.replace("-", "_"): v for k, v in headers.items()})


def manifest_delete(
    request: HttpRequest,
    *,
    claims: Claims,
    full_name: str,
    namespace: str,
    name: str,
    reference: str,
    **_: object,
) -> HttpResponse:
    repository = repositories.repository_get(full_name=full_name)
    if is_digest(reference):
        manifests.manifest_delete(repository=repository, digest=reference, pusher_id=claims.user_id)
        _audit(request, claims, kind="delete_manifest", namespace=namespace, name=name, digest=reference)
    else:
        tag_delete_registry(repository=repository, name=reference, pusher_id=claims.user_id)
        _audit(request, claims, kind="delete_tag", namespace=namespace, name=name, tag=reference)
    return _empty(202)


# Tags, referrers, catalog ---------------------------------------------------------------------


def _page_size(request: HttpRequest) -> int | None:
    raw = request.GET.get("n")
    if raw is None or raw == "":
        return None
    if re.fullmatch(r"[0-9]+", raw) is None:
        raise PaginationInvalid(detail={"n": raw[:20]})
    # Any longer number is above the cap anyway; int() would refuse thousands of digits.
    return LIST_MAX if len(raw) > NUMBER_DIGITS_MAX else min(int(raw), LIST_MAX)


def _next_link(path: str, names: list[str], limit: int | None) -> str | None:
    if limit and len(names) == limit:
        return f'<{path}?n={limit}&last={names[-1]}>; rel="next"'
    return None


def tags_list(request: HttpRequest, *, full_name: str, **_: object) -> HttpResponse:
    repository = repositories.repository_get(full_name=full_name)
    limit = _page_size(request)
    names = tag_names(repository=repository, last=request.GET.get("last"), limit=limit)
    response = json_response({"name": full_name, "tags": names})
    link = _next_link(f"/v2/{full_name}/tags/list", names, limit)
    if link:
        response.headers["Link"] = link
    return response


def referrers_get(request: HttpRequest, *, full_name: str, digest: str, **_: object) -> HttpResponse:
    if not is_digest(digest):
        raise DigestInvalid(detail={"digest": digest[:100]}, message="not a digest")
    repository = repositories.repository_get(full_name=full_name)
    artifact_type = request.GET.get("artifactType")
    descriptors = manifests.referrers_list(repository=repository, digest=digest, artifact_type=artifact_type)
    body = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": descriptors}
    response = json_response(body, content_type=OCI_INDEX)
    if artifact_type:
        response.headers["OCI-Filters-Applied"] = "artifactType"
    return response


@csrf_exempt
def catalog(request: HttpRequest) -> HttpResponse:
    claims = bearer_claims(request)
    scope = "registry:catalog:*"
    if claims is None or not claims.allows("registry", "catalog", "*"):
        return error_response(request, Unauthorized(), scope, insufficient=claims is not None)
    try:
        _query_check(request)
        limit = _page_size(request)
    except RegistryError as error:
        return error_response(request, error)
    names = catalog_list(user_id=claims.user_id, last=request.GET.get("last"), limit=limit)
    response = json_response({"repositories": names})
    link = _next_link("/v2/_catalog", names, limit)
    if link:
        response.headers["Link"] = link
    return response


Handler = Callable[..., HttpResponse]
HANDLERS: dict[tuple[str, str], Handler] = {
    ("blob", "GET"): blob_get,
    ("blob", "HEAD"): blob_get,
    ("blob", "DELETE"): blob_delete,
    ("upload", "POST"): upload_post,
    ("upload", "PATCH"): upload_patch,
    ("upload", "PUT"): upload_put,
    ("upload", "GET"): upload_status,
    ("upload", "DELETE"): upload_delete,
    ("manifest", "GET"): manifest_get,
    ("manifest", "HEAD"): manifest_get,
    ("manifest", "PUT"): manifest_put,
    ("manifest", "DELETE"): manifest_delete,
    ("tags", "GET"): tags_list,
    ("referrers", "GET"): referrers_get,
}
