"""The discovery document, and what every API operation shares in it: the error body and its statuses."""

from __future__ import annotations

from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.utils import OpenApiResponse
from drf_spectacular.views import SpectacularAPIView
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ApiErrorOutput(serializers.Serializer):
    """The body of every error, as quaysite.api_errors renders it."""

    status = serializers.IntegerField()
    error_type = serializers.CharField()
    title = serializers.CharField()
    type = serializers.CharField(help_text="The URL of the error type's description")
    detail = serializers.CharField()
    error_message = serializers.CharField()


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ApiErrorOutput, description=description)


ERROR_RESPONSES = {
    400: _error("Bad request: invalid input or a name already taken"),
    401: _error("Not logged in, or the bearer token is invalid or expired (invalid_token)"),
    403: _error("The caller lacks the role or scope (insufficient_scope), or CSRF failed (csrf_failed)"),
    404: _error("Not found, or not visible to the caller"),
    # A repository path ends in any segments, so a sub-resource's path with a one-segment
    # repository name reaches the repository itself, which may not take the method.
    405: _error("Method not allowed on this path"),
}


class DiscoveryView(SpectacularAPIView):
    """Quay's /api/v1/discovery: public, JSON unless YAML is asked for (?format=yaml), and read
    whatever credentials come along: a script holding a bearer token gets it like anyone."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    # application/json first: what a client asking for nothing in particular gets.
    renderer_classes = [OpenApiJsonRenderer2, OpenApiJsonRenderer, OpenApiYamlRenderer, OpenApiYamlRenderer2]
