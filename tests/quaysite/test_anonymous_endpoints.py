"""Which REST API endpoints anonymous callers reach, listed once so none opens by accident.

The API's default permission is IsAuthenticated; a view opens to anonymous callers only by
naming AllowAny. This walks every /api/v1/ URL pattern and asks each view's permissions, method
by method, whether an anonymous request passes: a new view is protected unless someone adds it
here deliberately, and every protected one answers an anonymous call with Quay's 401 body.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

# The methods a view handles; HEAD and OPTIONS follow GET's and the view's own permissions.
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# (URL name, method) pairs an anonymous caller may reach: the discovery document and its docs,
# error type pages, public profiles and public repositories' reads, and the JSON 404.
ANONYMOUS = {
    ("api-discovery", "GET"),
    ("api-docs", "GET"),
    ("api-error-type", "GET"),
    ("api-public-user", "GET"),
    ("api-organization", "GET"),
    ("api-repository-list", "GET"),
    ("api-find-repositories", "GET"),
    ("api-repository", "GET"),
    ("api-tags", "GET"),
    ("api-manifest", "GET"),
    ("api-manifest-labels", "GET"),
    ("api-manifest-label", "GET"),
    ("api-manifest-security", "GET"),
    *(("api-not-found", method) for method in METHODS),
}

# Values for a route's parameters, enough to build a URL: permissions run before any lookup.
CONVERTER_VALUES = {"StringConverter": "someone", "RepositoryPathConverter": "someone/repo"}


def _api_patterns(patterns: list, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif (prefix + str(pattern.pattern)).startswith("api/v1/"):
            yield prefix + str(pattern.pattern), pattern


def _view_class(pattern: URLPattern) -> type[APIView]:
    view_class = getattr(pattern.callback, "cls", None) or getattr(pattern.callback, "view_class", None)
    assert view_class is not None and issubclass(view_class, APIView), f"{pattern.name} is no DRF view"
    return view_class


def _anonymous_allowed(view_class: type[APIView], method: str) -> bool:
    request = Request(APIRequestFactory().generic(method, "/"))
    request.user = AnonymousUser()
    view = view_class()
    view.request, view.args, view.kwargs, view.format_kwarg = request, (), {}, None
    return all(permission.has_permission(request, view) for permission in view.get_permissions())


def _endpoints() -> list[tuple[str, URLPattern, str]]:
    return [
        (route, pattern, method)
        for route, pattern in _api_patterns(get_resolver().url_patterns)
        for method in METHODS
        if hasattr(_view_class(pattern), method.lower())
    ]


def test_the_anonymous_endpoints_are_exactly_the_listed_ones():
    allowed = {
        (pattern.name, method)
        for _route, pattern, method in _endpoints()
        if _anonymous_allowed(_view_class(pattern), method)
    }
    assert allowed == ANONYMOUS


def test_the_walk_sees_the_protected_views():
    # Guards the walk itself: were the resolver's patterns missed, the set above could match by luck.
    protected = {
        (pattern.name, method)
        for _route, pattern, method in _endpoints()
        if not _anonymous_allowed(_view_class(pattern), method)
    }
    assert ("api-user", "GET") in protected
    assert ("api-repository-list", "POST") in protected
    assert ("api-superuser-gc", "POST") in protected
    assert len(protected) > 40


@pytest.mark.django_db
def test_every_protected_endpoint_answers_an_anonymous_caller_401(client):
    for _route, pattern, method in _endpoints():
        if (pattern.name, method) in ANONYMOUS:
            continue
        converters = pattern.pattern.converters
        kwargs = {name: CONVERTER_VALUES[type(converter).__name__] for name, converter in converters.items()}
        url = reverse(pattern.name, kwargs=kwargs)
        response = client.generic(method, url, data="{}", content_type="application/json")
        assert response.status_code == 401, (method, url, response.content)
        body = response.json()
        assert body["error_type"] == "invalid_token", (method, url, body)
        assert body["error_message"] == "Authentication credentials were not provided.", (method, url, body)
