"""The REST API's errors, rendered in one place as Quay renders them.

Every error body has the same keys: ``status``, ``error_type``, ``title``, ``detail`` and Quay's
``error_message`` (the same text as ``detail``), so scripts written against Quay read them
unchanged. Domain errors raised by the services map to a status here and nowhere else.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler

# Quay's error types by status; any other 4xx keeps the generic request error.
ERROR_TYPES = {
    400: "invalid_request",
    401: "invalid_token",
    403: "insufficient_scope",
    404: "not_found",
    405: "method_not_allowed",
    415: "unsupported_media_type",
    429: "too_many_requests",
}

# Each app's domain errors and the status they answer with, registered by the app at start-up
# (quaysite knows no app); checked in registration order, so a subclass comes before its base.
DOMAIN_STATUS: list[tuple[type[Exception], int]] = []


def domain_status_register(*pairs: tuple[type[Exception], int]) -> None:
    DOMAIN_STATUS.extend(pair for pair in pairs if pair not in DOMAIN_STATUS)


def api_error_body(status: int, detail: str) -> dict:
    error_type = ERROR_TYPES.get(status, "invalid_request")
    return {
        "status": status,
        "error_type": error_type,
        "title": error_type,
        "detail": detail,
        "error_message": detail,
    }


def api_error(status: int, detail: str) -> Response:
    return Response(api_error_body(status, detail), status=status)


def _detail_text(detail: Any) -> str:
    """DRF's validation details (lists and dicts of messages) flattened into one line."""
    if isinstance(detail, dict):
        return "; ".join(f"{field}: {_detail_text(value)}" for field, value in detail.items())
    if isinstance(detail, list):
        return " ".join(_detail_text(item) for item in detail)
    return str(detail)


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    for error_class, status in DOMAIN_STATUS:
        if isinstance(exc, error_class):
            return api_error(status, str(exc))
    if isinstance(exc, exceptions.NotAuthenticated):
        # Session authentication names no WWW-Authenticate scheme, so DRF would answer 403;
        # Quay answers a missing login with 401.
        return api_error(401, str(exc.detail))
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    error = api_error(response.status_code, _detail_text(detail))
    for header in ("Allow", "Retry-After", "WWW-Authenticate"):
        if header in response:
            error[header] = response[header]
    return error


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([])
def api_not_found(request: Request) -> Response:
    return api_error(404, f"no API resource at {request.path}")
