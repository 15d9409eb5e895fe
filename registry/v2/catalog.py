"""GET /v2/_catalog: the repositories the token's user may read, paged."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from registry.errors import RegistryError, Unauthorized
from registry.selectors.repositories import catalog_list
from registry.v2.http import bearer_claims, error_response, json_response, query_check
from registry.v2.pagination import next_link, page_size


@csrf_exempt
def catalog(request: HttpRequest) -> HttpResponse:
    claims = bearer_claims(request)
    scope = "registry:catalog:*"
    if claims is None or not claims.allows("registry", "catalog", "*"):
        return error_response(request, Unauthorized(), scope, insufficient=claims is not None)
    try:
        query_check(request)
        limit = page_size(request)
    except RegistryError as error:
        return error_response(request, error)
    names = catalog_list(user_id=claims.user_id, last=request.GET.get("last"), limit=limit)
    response = json_response({"repositories": names})
    link = next_link("/v2/_catalog", names, limit)
    if link:
        response.headers["Link"] = link
    return response
