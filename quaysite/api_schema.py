"""What every API operation shares in the discovery document: the error body and its statuses."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ApiErrorOutput(serializers.Serializer):
    """The body of every error, as quaysite.api_errors renders it."""

    status = serializers.IntegerField()
    error_type = serializers.CharField()
    title = serializers.CharField()
    detail = serializers.CharField()
    error_message = serializers.CharField()


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ApiErrorOutput, description=description)


ERROR_RESPONSES = {
    400: _error("Bad request: invalid input or a name already taken"),
    401: _error("Session required: not logged in"),
    403: _error("Unauthorized: the caller lacks the role, or CSRF verification failed"),
    404: _error("Not found, or not visible to the caller"),
    # A repository path ends in any segments, so a sub-resource's path with a one-segment
    # repository name reaches the repository itself, which may not take the method.
    405: _error("Method not allowed on this path"),
}
