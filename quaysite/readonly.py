"""Registry-wide read-only mode (``REGISTRY_STATE: readonly``): during maintenance every write
through /v2/ and /api/v1/ is refused before any view runs; pulls and reads go on.

The check sits in one middleware so that no write path can forget it. The setting is read per
request, so tests (and a reload) see the value in force.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from quaysite.api_errors import api_error_body
from registry.errors import Denied
from registry.http import json_response
from registry.services.repository_states import registry_read_only

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MESSAGE = "the registry is in read-only mode for maintenance: pulls and reads work, writes are refused"


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
