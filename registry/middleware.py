"""The registry-wide read-only mode refuses every write through /v2/ and /api/v1/ before any
view runs, in one middleware so that no write path can forget it."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from quaysite.api_errors import api_error_body
from quaysite.readonly import MESSAGE, READ_METHODS, registry_read_only
from registry.errors import Denied
from registry.v2.http import json_response


class RegistryReadOnlyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in READ_METHODS or not registry_read_only():
            return self.get_response(request)
        if request.path.startswith("/v2/"):
            # Quay's registry answers 405 DENIED here: clients show the message and stop.
            return json_response(Denied(message=MESSAGE).body(), status=405)
        if request.path.startswith("/api/v1/"):
            return JsonResponse(api_error_body(503, MESSAGE), status=503)
        return self.get_response(request)
