"""The request a management action runs in, so its audit row records where it came from and how
the caller authenticated, without every service taking the request as an argument.

The middleware puts the request into a context variable for the duration of the view. The
credential is read when the row is written, not when the request arrives: the REST API
authenticates inside the view (DRF), after every middleware has run.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse
from oauth2_provider.models import AbstractAccessToken

from orgs.errors import NotPermitted
from orgs.models import User
from quaysite.client_address import client_address

_current_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)

# How a web or REST API caller authenticated (orgs.audit names the registry's credentials).
CREDENTIAL_SESSION = "session"
CREDENTIAL_OAUTH = "oauth"


class AuditRequestMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reset = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(reset)


def request_ip() -> str | None:
    request = _current_request.get()
    return client_address(request) if request is not None else None


def request_credential() -> str:
    """'oauth' for a bearer token, 'session' for a logged-in browser, '' outside a request."""
    request = _current_request.get()
    if request is None:
        return ""
    # DRF copies what its authentication found onto the Django request.
    if isinstance(getattr(request, "auth", None), AbstractAccessToken):
        return CREDENTIAL_OAUTH
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return CREDENTIAL_SESSION
    return ""


def request_user(request: HttpRequest) -> User | None:
    """The signed-in user for reads (selectors take None as anonymous), never Django's
    AnonymousUser."""
    user = getattr(request, "user", None)
    return user if isinstance(user, User) and user.is_authenticated else None


def request_actor(request: HttpRequest) -> User:
    """The signed-in user a view passes to a service as ``actor``. Services read ``actor=None``
    as the system itself, so an anonymous caller must never become None: it is refused here
    (views that write require a login before they get this far)."""
    user = request_user(request)
    if user is None:
        raise NotPermitted("sign in first: an anonymous caller may not change anything")
    return user
