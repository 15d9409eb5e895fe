"""Counts every request by endpoint class, and the registry's pushes, pulls and served bytes."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from quaysite.metrics import (
    BLOB_BYTES_PULLED,
    HTTP_REQUEST_SECONDS,
    HTTP_REQUESTS,
    PULLS,
    PUSHES,
    endpoint_class,
)

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        endpoint = endpoint_class(request.path)
        # Any token may arrive as a method: only the known ones become labels.
        method = request.method if request.method in KNOWN_METHODS else "other"
        HTTP_REQUEST_SECONDS.labels(endpoint).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(endpoint, method, str(response.status_code)).inc()
        if endpoint == "v2_manifest":
            if method == "PUT" and response.status_code == 201:
                PUSHES.inc()
            elif method == "GET" and response.status_code == 200:
                PULLS.inc()
        elif endpoint == "v2_blob" and method == "GET" and response.status_code in (200, 206):
            length = response.headers.get("Content-Length")
            if length and length.isdigit():
                BLOB_BYTES_PULLED.inc(int(length))
        return response
