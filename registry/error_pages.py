"""Answers for requests Django refuses before any view runs (an invalid Host header, a body or
query too large to parse), in the format the path's API promises: the OCI error body under /v2/,
Quay's error body under /api/v1/, Django's page elsewhere. The root URLconf names it as handler400.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from quaysite.api_errors import api_error_body
from registry.errors import Denied
from registry.v2.http import json_response


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    # request.get_host() may be what failed: only the path is read here.
    detail = str(exception)
    if request.path.startswith("/v2/") or request.path == "/v2":
        return json_response(Denied(message=f"request refused: {detail}"[:500]).body(), status=400)
    if request.path.startswith("/api/v1/"):
        return JsonResponse(api_error_body(400, detail[:500]), status=400)
    return defaults.bad_request(request, exception)
