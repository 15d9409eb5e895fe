"""HTTP plumbing for /v2/: bearer tokens, the auth challenge, query checks, response headers,
error bodies, streamed request bodies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import cast

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from orgs.models import User
from quaysite.hosts import service_host
from registry.errors import QueryInvalid, RegistryError, SizeInvalid, Unauthorized
from registry.selectors.tokens import token_user_active
from registry.services.uploads import BodyIncomplete
from registry.v2.tokens import Claims, InvalidToken, token_verify

API_VERSION_HEADER = ("Docker-Distribution-API-Version", "registry/2.0")
BODY_CHUNK = 1024 * 1024
# Offsets and sizes fit PostgreSQL's bigint; a longer number is refused before int() sees it
# (which raises past 4,300 digits).
NUMBER_DIGITS_MAX = 18


def realm_url(request: HttpRequest) -> str:
    return f"{settings.PREFERRED_URL_SCHEME}://{service_host(request)}/v2/auth"


def bearer_claims(request: HttpRequest) -> Claims | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        return token_verify(token.strip(), service=service_host(request))
    except InvalidToken:
        return None


def token_user(claims: Claims) -> User | None:
    """The token's user, read only if used: only creating a repository needs it."""
    if claims.user_id is None:
        return None

    def load() -> User:
        user = token_user_active(user_id=claims.user_id)
        if user is None:
            # Deleted or disabled since the token was issued: it may no longer create anything.
            raise Unauthorized(message="the token's user no longer exists or is disabled")
        return user

    return cast(User, SimpleLazyObject(load))


def query_check(request: HttpRequest) -> None:
    """Refuses what no handler could use and PostgreSQL could not store (NUL), and Django's
    own refusals (too many fields), which would otherwise answer in HTML."""
    try:
        values = [value for _, value in request.GET.lists() for value in value]
    except SuspiciousOperation:
        raise QueryInvalid(detail={"reason": "too many query parameters"}) from None
    if any("\x00" in value for value in values):
        raise QueryInvalid(detail={"reason": "a query parameter holds NUL"})


def challenge(request: HttpRequest, scope: str | None, insufficient: bool = False) -> str:
    parts = [f'realm="{realm_url(request)}"', f'service="{service_host(request)}"']
    if scope:
        parts.append(f'scope="{scope}"')
    if insufficient:
        parts.append('error="insufficient_scope"')
    return "Bearer " + ",".join(parts)


def json_response(body: object, status: int = 200, content_type: str = "application/json") -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type=content_type)
    response.headers[API_VERSION_HEADER[0]] = API_VERSION_HEADER[1]
    return response


def with_headers(response: HttpResponse, **headers: str) -> HttpResponse:
    response.headers[API_VERSION_HEADER[0]] = API_VERSION_HEADER[1]
    for key, value in headers.items():
        response.headers[key.replace("_", "-")] = value
    return response


def empty_response(status: int, **headers: str) -> HttpResponse:
    response = HttpResponse(b"", status=status)
    response.headers["Content-Length"] = "0"
    return with_headers(response, **headers)


def error_response(
    request: HttpRequest, error: RegistryError, scope: str | None = None, insufficient: bool = False
) -> HttpResponse:
    response = json_response(error.body(), status=error.status)
    if isinstance(error, Unauthorized):
        response.headers["WWW-Authenticate"] = challenge(request, scope, insufficient)
    return response


def body_chunks(request: HttpRequest) -> Iterator[bytes]:
    """The request body as it arrives, read from the server's stream, never gathered whole.

    Django's WSGIRequest reads nothing of a body sent with Transfer-Encoding: chunked (no
    Content-Length), which is how podman and skopeo send layers; the raw wsgi.input has it.
    """
    meta = request.META
    stream = meta.get("wsgi.input") or request
    length = meta.get("CONTENT_LENGTH")
    if length not in (None, ""):
        try:
            remaining = int(length)
        except ValueError:
            raise SizeInvalid(detail={"Content-Length": str(length)[:50]}) from None
        if remaining < 0:
            raise SizeInvalid(detail={"Content-Length": length})
        while remaining > 0:
            chunk = stream.read(min(BODY_CHUNK, remaining))
            if not chunk:
                raise BodyIncomplete()
            remaining -= len(chunk)
            yield chunk
    elif "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower():
        while chunk := stream.read(BODY_CHUNK):
            yield chunk


def body_read_limited(request: HttpRequest, limit: int) -> bytes | None:
    """A small body (a manifest) whole, or None when it is larger than limit."""
    parts: list[bytes] = []
    size = 0
    for chunk in body_chunks(request):
        size += len(chunk)
        if size > limit:
            return None
        parts.append(chunk)
    return b"".join(parts)
