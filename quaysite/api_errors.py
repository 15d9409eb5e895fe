"""The REST API's errors, rendered in one place as Quay renders them.

Every error body has the same keys: ``status``, ``error_type``, ``title``, ``type`` (the URL of
the error type's description, as Quay's), ``detail`` and Quay's ``error_message`` (the same text
as ``detail``), so scripts written against Quay read them unchanged. Domain errors raised by the
services map to a status here and nowhere else.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler

from quaysite.oauth import CsrfFailed

logger = logging.getLogger("django.request")

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

# What each error type means, served at /api/v1/error/<type> (Quay's type URLs point there).
ERROR_DESCRIPTIONS = {
    "invalid_request": "The request holds a value the API does not take, or is malformed.",
    "invalid_token": "No login, or a bearer token that is unknown, revoked, expired or misplaced.",
    "insufficient_scope": "The caller lacks the role or the token lacks the scope for this resource.",
    "not_found": "No such resource, or none the caller may see.",
    "method_not_allowed": "The resource does not take this HTTP method.",
    "unsupported_media_type": "The request body must be JSON.",
    "too_many_requests": "Too many requests; retry after the time given in Retry-After.",
    "server_error": "The server failed to answer; the error is logged.",
    "csrf_failed": "A write with the browser's session needs the CSRF token (header X-CSRFToken).",
}

# Each app's domain errors and the status they answer with, registered by the app at start-up
# (quaysite knows no app); checked in registration order, so a subclass comes before its base.
DOMAIN_STATUS: list[tuple[type[Exception], int]] = []


def domain_status_register(*pairs: tuple[type[Exception], int]) -> None:
    DOMAIN_STATUS.extend(pair for pair in pairs if pair not in DOMAIN_STATUS)


def error_type_url(error_type: str) -> str:
    path = f"/api/v1/error/{error_type}"
    # Without a configured host name the link stays relative to whichever host was asked.
    if not settings.SERVER_HOSTNAME:
        return path
    return f"{settings.PREFERRED_URL_SCHEME}://{settings.SERVER_HOSTNAME}{path}"


def api_error_body(status: int, detail: str, error_type: str | None = None) -> dict:
    error_type = error_type or ERROR_TYPES.get(status, "invalid_request")
    return {
        "status": status,
        "error_type": error_type,
        "title": error_type,
        "type": error_type_url(error_type),
        "detail": detail,
        "error_message": detail,
    }


def api_error(status: int, detail: str, error_type: str | None = None) -> Response:
    return Response(api_error_body(status, detail, error_type), status=status)


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
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        # Session authentication names no WWW-Authenticate scheme, so DRF would answer 403;
        # Quay answers a missing login or a bad token with 401.
        return api_error(401, str(exc.detail))
    if isinstance(exc, CsrfFailed):
        detail = f"{exc.detail} (send the csrftoken cookie's value as X-CSRFToken)"
        return api_error(403, detail, "csrf_failed")
    if isinstance(exc, RequestDataTooBig):
        return api_error(413, f"the request body exceeds {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes")
    if isinstance(exc, SuspiciousOperation):
        # Django's own answer would be its HTML 400 page.
        return api_error(400, "the request was refused as malformed")
    response = exception_handler(exc, context)
    if response is None:
        # A bug, not the client's fault: logged with its traceback as Django logs a 500, and
        # answered in the API's shape rather than Django's HTML page.
        logger.error("Internal Server Error: %s", context["request"].path, exc_info=exc)
        return api_error(500, "internal server error", "server_error")
    reported = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    error = api_error(response.status_code, _detail_text(reported))
    for header in ("Allow", "Retry-After", "WWW-Authenticate"):
        if header in response:
            error[header] = response[header]
    return error


# The target of every error body's type URL, public and outside the discovery document as in Quay.
@extend_schema(exclude=True)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([])
def api_error_type(request: Request, error_type: str) -> Response:
    if error_type not in ERROR_DESCRIPTIONS:
        return api_error(404, f"no error type {error_type!r}")
    description = ERROR_DESCRIPTIONS[error_type]
    return Response({"type": error_type_url(error_type), "title": error_type, "description": description})


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([])
def api_not_found(request: Request) -> Response:
    return api_error(404, f"no API resource at {request.path}")
