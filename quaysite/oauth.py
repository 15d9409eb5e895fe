"""OAuth 2 on the REST API: bearer tokens carry Quay's scopes, each view names the scopes it needs.

A view declares ``required_scopes``: a list for every method, or a dict by HTTP method (HEAD
counts as GET). A request authenticated by an OAuth token must carry every scope listed for its
method, else 403; the browser's session is not limited by scopes. A view declaring nothing
accepts no OAuth token at all: an endpoint nobody has classified must not be open to every
token.

The check runs where the token is authenticated rather than in a default permission class: the
views open to anonymous callers and the superuser's set their own ``permission_classes`` or
``get_permissions``, which replace the defaults, so a default permission class would silently
not run for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import path
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.contrib.django_oauth_toolkit import DjangoOAuthToolkitScheme
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from oauth2_provider.views import AuthorizationView, RevokeTokenView, TokenView
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.request import Request

if TYPE_CHECKING:
    from drf_spectacular.openapi import AutoSchema


def scopes_required(view: object, method: str) -> list[str]:
    declared = getattr(view, "required_scopes", None)
    if declared is None:
        return []
    if isinstance(declared, dict):
        method = "GET" if method.upper() == "HEAD" else method.upper()
        return list(declared.get(method, []))
    return list(declared)


class CsrfFailed(PermissionDenied):
    """A session-authenticated write without a valid CSRF token: a browser's problem, not a scope's."""


class CsrfNamingSessionAuthentication(SessionAuthentication):
    """DRF's session authentication, whose CSRF refusal the error handler can tell from a role's."""

    def enforce_csrf(self, request: Request) -> None:
        try:
            super().enforce_csrf(request)
        except PermissionDenied as refused:
            raise CsrfFailed(refused.detail) from None


QUERY_TOKEN_REFUSED = (
    "access tokens are not accepted in the URL (access_token): they end up in logs and browser "
    "history; send the header Authorization: Bearer <token>"
)
TOKEN_INVALID = "the access token is invalid or has expired"


def _bearer_header(request: Request) -> str | None:
    scheme, _, credentials = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else None


class ScopedOAuth2Authentication(OAuth2Authentication):
    """The toolkit's bearer-token authentication, refusing a token without the view's scopes.

    A token is read from the Authorization header only; one in the query string is refused
    outright rather than ignored, so a script learns why its token does not work.
    """

    def authenticate(self, request: Request) -> tuple | None:
        if "access_token" in request.query_params:
            raise AuthenticationFailed(QUERY_TOKEN_REFUSED)
        if not _bearer_header(request):
            return None
        authenticated = super().authenticate(request)
        if authenticated is None:
            # A bearer token was sent and is not (or no longer) valid: say so instead of
            # answering as if no credentials had been given.
            raise AuthenticationFailed(TOKEN_INVALID)
        user, token = authenticated
        if user is None:
            # A client-credentials token acts for no user; the API has nobody to act as.
            raise AuthenticationFailed("the token belongs to no user")
        view = (request.parser_context or {}).get("view")
        if view is not None and getattr(view, "required_scopes", None) is None:
            raise PermissionDenied("this endpoint does not accept OAuth tokens")
        granted = set(token.scope.split())
        assert request.method is not None  # None only on a request built by hand
        missing = [scope for scope in scopes_required(view, request.method) if scope not in granted]
        if missing:
            raise PermissionDenied(f"the token lacks the scope {' '.join(missing)}")
        return authenticated


class ScopedOAuth2Scheme(DjangoOAuthToolkitScheme):
    """The discovery document names each operation's required scopes."""

    # drf-spectacular takes a class or its dotted path; its contrib scheme's string narrowed the type.
    target_class = ScopedOAuth2Authentication  # type: ignore[assignment]

    # None lists no requirement (drf_spectacular.openapi skips it); its annotation leaves None out.
    def get_security_requirement(self, auto_schema: AutoSchema) -> dict | None:  # type: ignore[override]
        if getattr(auto_schema.view, "required_scopes", None) is None:
            # An endpoint for the browser's session only: no token is accepted, so none is listed.
            return None
        return {self.name: scopes_required(auto_schema.view, auto_schema.method)}


class CsrfNamingSessionScheme(SessionScheme):
    """The discovery document names the session as it names DRF's own."""

    target_class = CsrfNamingSessionAuthentication  # type: ignore[assignment]  # as ScopedOAuth2Scheme's


# The toolkit's views under /oauth/, named as the toolkit names them.
urlpatterns = [
    path("authorize", AuthorizationView.as_view(), name="authorize"),
    path("token", TokenView.as_view(), name="token"),
    path("revoke", RevokeTokenView.as_view(), name="revoke-token"),
]
