"""/v2/ routing: the ping, then for a path under a repository name the route, the name parsed
once, the token's scope checked, and the handler for the route and method called."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt

from registry.errors import RegistryError, RouteUnknown, Unauthorized, Unsupported
from registry.names import repository_name_parse
from registry.v2 import blobs, manifests, tags, uploads
from registry.v2.http import bearer_claims, error_response, json_response, query_check

ROUTES = [
    (re.compile(r"^(?P<name>.+)/blobs/uploads/?(?P<uuid>[^/]*)$"), "upload"),
    (re.compile(r"^(?P<name>.+)/blobs/(?P<digest>[^/]+)$"), "blob"),
    (re.compile(r"^(?P<name>.+)/manifests/(?P<reference>[^/]+)$"), "manifest"),
    (re.compile(r"^(?P<name>.+)/tags/list$"), "tags"),
    (re.compile(r"^(?P<name>.+)/referrers/(?P<digest>[^/]+)$"), "referrers"),
]

Handler = Callable[..., HttpResponseBase]
HANDLERS: dict[tuple[str, str], Handler] = {
    ("blob", "GET"): blobs.blob_get,
    ("blob", "HEAD"): blobs.blob_get,
    ("blob", "DELETE"): blobs.blob_delete,
    ("upload", "POST"): uploads.upload_post,
    ("upload", "PATCH"): uploads.upload_patch,
    ("upload", "PUT"): uploads.upload_put,
    ("upload", "GET"): uploads.upload_status,
    ("upload", "DELETE"): uploads.upload_delete,
    ("manifest", "GET"): manifests.manifest_get,
    ("manifest", "HEAD"): manifests.manifest_get,
    ("manifest", "PUT"): manifests.manifest_put,
    ("manifest", "DELETE"): manifests.manifest_delete,
    ("tags", "GET"): tags.tags_list,
    ("referrers", "GET"): tags.referrers_get,
}


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


def _challenge_scope(request: HttpRequest, kind: str, full_name: str, action: str) -> str:
    """The scopes a client should ask /v2/auth for. A mount also needs pull on its source, so
    it is asked for too (space-separated, as the reference registry does): with only the
    target's scope the token would turn the mount into a new upload."""
    scope = f"repository:{full_name}:{action}"
    source = request.GET.get("from", "")
    if kind == "upload" and request.method == "POST" and request.GET.get("mount") and source:
        try:
            repository_name_parse(source)
        except RegistryError:
            return scope  # not a name: never echoed into a header
        scope += f" repository:{source}:pull"
    return scope


@csrf_exempt
def dispatch(request: HttpRequest, path: str) -> HttpResponseBase:
    routed = _route(path)
    if routed is None:
        return route_unknown(request)
    kind, params = routed
    full_name = params.pop("name")
    method = request.method
    assert method is not None  # None only on an HttpRequest built by hand, never on one served
    action = _required_action(method)
    scope = f"repository:{full_name}:{action}"
    try:
        query_check(request)
        scope = _challenge_scope(request, kind, full_name, action)
        repository_name = repository_name_parse(full_name)
        claims = bearer_claims(request)
        if claims is None or not claims.allows("repository", full_name, action):
            return error_response(request, Unauthorized(), scope, insufficient=claims is not None)
        handler = HANDLERS.get((kind, method))
        if handler is None:
            raise Unsupported(detail={"method": method})
        return handler(request, claims=claims, repository_name=repository_name, **params)
    except RegistryError as error:
        return error_response(request, error, scope)
