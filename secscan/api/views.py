"""Quay's ``GET /api/v1/repository/{repository}/manifest/{digest}/security``: the manifest's scan
status and, once scanned, its packages (``?vulnerabilities=true`` with each one's
vulnerabilities). Readers of the repository may ask; anonymous callers for a public one."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orgs.errors import NotFound
from orgs.request_context import request_user
from quaysite.api_schema import ERROR_RESPONSES
from registry.selectors.manifests import manifest_get_served
from registry.selectors.repositories import repository_get_readable
from secscan.selectors import security_response


class SecurityQuery(serializers.Serializer):
    vulnerabilities = serializers.BooleanField(required=False, default=False)


class SecurityOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["queued", "scanned", "failed", "unsupported"])
    data = serializers.JSONField(allow_null=True)  # type: ignore[assignment]


class ManifestSecurityView(APIView):
    required_scopes = ["repo:read"]
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="getRepoManifestSecurity",
        description="The manifest's vulnerability scan: status, and its packages once scanned.",
        parameters=[
            OpenApiParameter("vulnerabilities", bool, description="Include each package's vulnerabilities")
        ],
        responses={200: SecurityOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, repository: str, digest: str) -> Response:
        if not settings.FEATURE_SECURITY_SCANNER:
            # As Quay's show_if: the endpoint is absent while the feature is off.
            raise NotFound("vulnerability scanning is off")
        query = SecurityQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = repository_get_readable(user=request_user(request), full_name=repository).repository
        manifest = manifest_get_served(repository=found, digest=digest)
        return Response(
            security_response(manifest=manifest, vulnerabilities=query.validated_data["vulnerabilities"])
        )
