"""The Docker token endpoint: /v2/auth issues a JWT for the scopes the caller may have."""

from __future__ import annotations

import base64
import binascii
import math
from datetime import UTC, datetime

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from orgs.audit import audit_log_registry
from orgs.authentication import Login, login_verify
from orgs.revocation import password_fingerprint
from orgs.services import robot_last_accessed_touch
from orgs.throttle import LoginThrottled, login_attempt
from quaysite.client_address import client_address
from quaysite.hosts import service_host
from registry.errors import TooManyRequests, Unauthorized
from registry.v2.http import error_response, json_response
from registry.v2.scopes import access_grant
from registry.v2.tokens import Subject, token_issue


class BadCredentials(Exception):
    pass


def _basic_credentials(request: HttpRequest) -> tuple[str, str] | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, encoded = header.partition(" ")
    if not header:
        return None
    if scheme.lower() != "basic":
        raise BadCredentials()
    try:
        username, _, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise BadCredentials() from None
    if not username:
        raise BadCredentials()
    return username, password


def _basic_login(request: HttpRequest) -> Login | None:
    credentials = _basic_credentials(request)
    if credentials is None:
        return None
    username, password = credentials
    ip = client_address(request)
    login = login_attempt(
        ip=ip, username=username, verify=lambda: login_verify(username=username, password=password)
    )
    if login is None:
        audit_log_registry(
            kind="login_failure",
            performer_id=None,
            performer_name="",
            credential="",
            ip=ip,
            metadata={"username": username[:255]},
        )
        raise BadCredentials()
    return login


def _subject(login: Login | None) -> Subject:
    if login is None:
        return Subject()
    if login.credential == "robot":
        robot_last_accessed_touch(user_id=login.user.pk)
    return Subject(
        name=login.user.username,
        user_id=login.user.pk,
        credential=login.credential,
        generation=login.user.credential_generation,
        password_fingerprint=password_fingerprint(login.user.password),
    )


@csrf_exempt
def token(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET"})
    try:
        login = _basic_login(request)
    except LoginThrottled as throttled:
        response = error_response(request, TooManyRequests(message=str(throttled)))
        response.headers["Retry-After"] = str(max(1, math.ceil(throttled.wait)))
        return response
    except BadCredentials:
        response = error_response(request, Unauthorized(message="invalid username or password"))
        response.headers["WWW-Authenticate"] = 'Basic realm="registry"'
        return response
    user = login.user if login else None
    grant = access_grant(
        user=user,
        scopes=request.GET.getlist("scope"),
        oauth_scopes=login.oauth_scopes if login else None,
        repository_limit=login.repository_limit if login else None,
        read_only=login.read_only if login else False,
    )
    issued, lifetime = token_issue(
        service=service_host(request),
        subject=_subject(login),
        access=grant.access,
        repository_ids=grant.repository_ids,
        public_repositories=grant.public_repositories,
    )
    return json_response(
        {
            "token": issued,
            "access_token": issued,
            "expires_in": lifetime,
            "issued_at": datetime.now(UTC).isoformat(),
        }
    )
