"""Manifests by tag or digest: GET and HEAD (with the pull's audit event), PUT, DELETE."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from orgs.audit import CREDENTIAL_ANONYMOUS, audit_log_registry
from registry.errors import ManifestInvalid, ManifestUnknown, TooLarge
from registry.names import RepositoryName, is_digest, is_tag
from registry.selectors.manifests import manifest_content_get
from registry.selectors.repositories import repository_get
from registry.services import manifests
from registry.services.tags import tag_delete_registry
from registry.services.uploads import BodyIncomplete
from registry.v2.http import body_read_limited, empty_response, token_user, with_headers
from registry.v2.tokens import Claims


def _accept_list(request: HttpRequest) -> list[str]:
    accepted = []
    for header in request.headers.get("Accept", "").split(","):
        media_type = header.split(";", 1)[0].strip()
        if media_type:
            accepted.append(media_type)
    return accepted


def _audit(
    request: HttpRequest, claims: Claims, *, kind: str, repository_name: RepositoryName, **metadata: str
) -> None:
    """Queues the event for the next batch: no query in this request."""
    audit_log_registry(
        kind=kind,
        performer_id=claims.user_id,
        performer_name=claims.subject,
        credential=claims.credential or CREDENTIAL_ANONYMOUS,
        namespace_name=repository_name.namespace,
        repository_name=repository_name.name,
        ip=request.META.get("REMOTE_ADDR"),
        metadata=metadata,
    )


def _reference_metadata(reference: str, digest: str) -> dict[str, str]:
    return {"digest": digest} if is_digest(reference) else {"tag": reference, "digest": digest}


def manifest_get(
    request: HttpRequest, *, claims: Claims, repository_name: RepositoryName, reference: str, **_: object
) -> HttpResponse:
    found = manifest_content_get(
        repository_name=repository_name, reference=reference, accept=_accept_list(request)
    )
    if request.method == "GET":
        metadata = _reference_metadata(reference, found.digest)
        _audit(request, claims, kind="pull_repo", repository_name=repository_name, **metadata)
    body = b"" if request.method == "HEAD" else found.content
    response = HttpResponse(body, content_type=found.media_type)
    response.headers["Content-Length"] = str(len(found.content))
    return with_headers(response, Docker_Content_Digest=found.digest, ETag=f'"{found.digest}"')


def _manifest_body(request: HttpRequest) -> bytes:
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
    return content


def manifest_put(
    request: HttpRequest, *, claims: Claims, repository_name: RepositoryName, reference: str, **_: object
) -> HttpResponse:
    manifest, parsed = manifests.manifest_put(
        full_name=repository_name.full,
        reference=reference,
        content=_manifest_body(request),
        content_type=request.META.get("CONTENT_TYPE", ""),
        creator=token_user(claims),
        pusher_id=claims.user_id,
    )
    metadata = _reference_metadata(reference, manifest.digest)
    _audit(request, claims, kind="push_repo", repository_name=repository_name, **metadata)
    headers = {
        "Location": f"/v2/{repository_name.full}/manifests/{manifest.digest}",
        "Docker-Content-Digest": manifest.digest,
    }
    if parsed.subject is not None:
        headers["OCI-Subject"] = parsed.subject.digest
    return empty_response(201, **{k.replace("-", "_"): v for k, v in headers.items()})


def manifest_delete(
    request: HttpRequest, *, claims: Claims, repository_name: RepositoryName, reference: str, **_: object
) -> HttpResponse:
    repository = repository_get(full_name=repository_name.full)
    if is_digest(reference):
        manifests.manifest_delete(repository=repository, digest=reference, pusher_id=claims.user_id)
        _audit(request, claims, kind="delete_manifest", repository_name=repository_name, digest=reference)
    elif is_tag(reference):
        tag_delete_registry(repository=repository, name=reference, pusher_id=claims.user_id)
        _audit(request, claims, kind="delete_tag", repository_name=repository_name, tag=reference)
    else:
        # No tag has this name (NUL, say, which PostgreSQL could not even compare): as for GET.
        raise ManifestUnknown(detail={"reference": reference[:200]})
    return empty_response(202)
