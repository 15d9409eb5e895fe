"""The Docker token endpoint: /v2/auth issues a JWT for the scopes the caller may have."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from orgs.authentication import credentials_verify
from orgs.models import User
from registry.access import access_grant
from registry.errors import Unauthorized
from registry.http import error_response, json_response, service_host
from registry.tokens import token_issue


class BadCredentials(Exception):
    pass


def _basic_user(request: HttpRequest) -> User | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, encoded = header.partition(" ")
    if not header:
        return None
    if scheme.lower() != "basic":
        raise BadCredentials()
    try:
        username, sep, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise BadCredentials() from None
    user = credentials_verify(username=username, password=password) if sep else None
    if user is None:
        raise BadCredentials()
    return user


@csrf_exempt
def token(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET"})
    try:
        user = _basic_user(request)
    except BadCredentials:
        response = error_response(request, Unauthorized(message="invalid username or password"))
        response.headers["WWW-Authenticate"] = 'Basic realm="registry"'
        return response
    access = access_grant(user=user, scopes=request.GET.getlist("scope"))
    issued, lifetime = token_issue(
        service=service_host(request),
        subject=user.username if user else "",
        user_id=user.pk if user else None,
        access=access,
    )
    return json_response(
        {
            "token": issued,
            "access_token": issued,
            "expires_in": lifetime,
            "issued_at": datetime.now(UTC).isoformat(),
        }
    )
