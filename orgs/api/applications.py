"""OAuth 2 applications of an organization on Quay's paths, and an administrator's "generate
token" for themselves: thin over orgs.services.applications and orgs.oauth.

The client secret is stored as a hash: creation and reset return it, reads show null.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orgs.models import Organization, OrganizationApplication
from orgs.oauth import oauth_token_generate
from orgs.request_context import request_actor
from orgs.selectors.applications import organization_application_get, organization_application_list
from orgs.selectors.identity import organization_get_for_member
from orgs.services.applications import (
    application_create,
    application_delete,
    application_secret_reset,
    application_update,
)
from orgs.services.authorization import require_namespace_admin
from quaysite.api_schema import ERROR_RESPONSES


class ApplicationCreateInput(serializers.Serializer):
    name = serializers.CharField(help_text="The name of the application")
    redirect_uri = serializers.CharField(required=False, allow_blank=True, default="")
    application_uri = serializers.CharField(required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    avatar_email = serializers.CharField(required=False, allow_blank=True, default="")


class ApplicationUpdateInput(serializers.Serializer):
    name = serializers.CharField()
    redirect_uri = serializers.CharField(allow_blank=True)
    application_uri = serializers.CharField(allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    avatar_email = serializers.CharField(required=False, allow_blank=True)


class ApplicationOutput(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()
    application_uri = serializers.CharField()
    client_id = serializers.CharField()
    client_secret = serializers.CharField(allow_null=True, help_text="Only by creation and reset")
    redirect_uri = serializers.CharField()
    avatar_email = serializers.CharField()


class ApplicationListOutput(serializers.Serializer):
    applications = ApplicationOutput(many=True)


class TokenGenerateInput(serializers.Serializer):
    scopes = serializers.ListField(
        child=serializers.CharField(), help_text="Quay's scopes, e.g. repo:read, repo:write, org:admin"
    )


class ScopeOutput(serializers.Serializer):
    scope = serializers.CharField()
    description = serializers.CharField()


class ScopeListOutput(serializers.Serializer):
    scopes = ScopeOutput(many=True)


class TokenGeneratedOutput(serializers.Serializer):
    access_token = serializers.CharField(help_text="Shown in this response only")
    token_type = serializers.CharField()
    scope = serializers.CharField()
    expires_in = serializers.IntegerField()


def _application_view(owned: OrganizationApplication, secret: str | None = None) -> dict:
    return {
        "name": owned.application.name,
        "description": owned.description,
        "application_uri": owned.application_uri,
        "client_id": owned.application.client_id,
        "client_secret": secret,
        "redirect_uri": owned.application.redirect_uris,
        "avatar_email": owned.avatar_email,
    }


def _organization_for_admin(request: Request, orgname: str) -> Organization:
    organization = organization_get_for_member(user=request_actor(request), name=orgname)
    require_namespace_admin(actor=request_actor(request), namespace=organization.namespace)
    return organization


class ApplicationListView(APIView):
    required_scopes = ["org:admin"]

    @extend_schema(
        operation_id="getOrganizationApplications",
        description="List the organization's OAuth applications (organization admin).",
        responses={200: ApplicationListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, orgname: str) -> Response:
        organization = _organization_for_admin(request, orgname)
        owned = organization_application_list(organization=organization)
        return Response({"applications": [_application_view(application) for application in owned]})

    @extend_schema(
        operation_id="createOrganizationApplication",
        description="Create an OAuth application of the organization; the response holds its client secret.",
        request=ApplicationCreateInput,
        responses={200: ApplicationOutput, **ERROR_RESPONSES},
    )
    def post(self, request: Request, orgname: str) -> Response:
        organization = _organization_for_admin(request, orgname)
        data = ApplicationCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        owned, secret = application_create(
            organization=organization, actor=request_actor(request), **data.validated_data
        )
        return Response(_application_view(owned, secret))


class ApplicationView(APIView):
    required_scopes = ["org:admin"]

    @extend_schema(
        operation_id="getOrganizationApplication",
        description="Get one OAuth application of the organization, without its secret (organization admin).",
        responses={200: ApplicationOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, orgname: str, client_id: str) -> Response:
        organization = _organization_for_admin(request, orgname)
        owned = organization_application_get(organization=organization, client_id=client_id)
        return Response(_application_view(owned))

    @extend_schema(
        operation_id="updateOrganizationApplication",
        description="Change the application's name, redirect URI, home page and description (org admin).",
        request=ApplicationUpdateInput,
        responses={200: ApplicationOutput, **ERROR_RESPONSES},
    )
    def put(self, request: Request, orgname: str, client_id: str) -> Response:
        organization = _organization_for_admin(request, orgname)
        owned = organization_application_get(organization=organization, client_id=client_id)
        data = ApplicationUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        owned = application_update(owned=owned, actor=request_actor(request), **data.validated_data)
        return Response(_application_view(owned))

    @extend_schema(
        operation_id="deleteOrganizationApplication",
        description="Delete the application; its tokens stop working at once (organization admin).",
        responses={204: OpenApiResponse(description="Deleted"), **ERROR_RESPONSES},
    )
    def delete(self, request: Request, orgname: str, client_id: str) -> Response:
        organization = _organization_for_admin(request, orgname)
        owned = organization_application_get(organization=organization, client_id=client_id)
        application_delete(owned=owned, actor=request_actor(request))
        return Response(status=204)


class ApplicationSecretResetView(APIView):
    required_scopes = ["org:admin"]

    @extend_schema(
        operation_id="resetOrganizationApplicationClientSecret",
        description="Give the application a new client secret, returned here; the old one stops working.",
        request=None,
        responses={200: ApplicationOutput, **ERROR_RESPONSES},
    )
    def post(self, request: Request, orgname: str, client_id: str) -> Response:
        organization = _organization_for_admin(request, orgname)
        owned = organization_application_get(organization=organization, client_id=client_id)
        secret = application_secret_reset(owned=owned, actor=request_actor(request))
        return Response(_application_view(owned, secret))


class ApplicationTokenView(APIView):
    """Quay's "Generate Token": no OAuth token may mint another, so the browser's session only."""

    session_only = True

    @extend_schema(
        operation_id="listOrganizationApplicationTokenScopes",
        description=(
            "The scopes a generated token may carry, with their descriptions, for the page that "
            "chooses them (organization admin; browser session only)."
        ),
        responses={200: ScopeListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, orgname: str, client_id: str) -> Response:
        organization = _organization_for_admin(request, orgname)
        organization_application_get(organization=organization, client_id=client_id)
        scopes = settings.OAUTH2_PROVIDER["SCOPES"]
        return Response({"scopes": [{"scope": name, "description": text} for name, text in scopes.items()]})

    @extend_schema(
        operation_id="generateOrganizationApplicationToken",
        description=(
            "Generate an access token of this application for the caller, with the scopes chosen, "
            "without the authorization-code flow (organization admin; browser session only, OAuth "
            "tokens are refused)."
        ),
        request=TokenGenerateInput,
        responses={200: TokenGeneratedOutput, **ERROR_RESPONSES},
    )
    def post(self, request: Request, orgname: str, client_id: str) -> Response:
        organization = _organization_for_admin(request, orgname)
        owned = organization_application_get(organization=organization, client_id=client_id)
        data = TokenGenerateInput(data=request.data)
        data.is_valid(raise_exception=True)
        token, raw = oauth_token_generate(
            application=owned.application,
            user=request_actor(request),
            scopes=data.validated_data["scopes"],
            actor=request_actor(request),
        )
        expires_in = max(0, int((token.expires - token.created).total_seconds()))
        return Response(
            {"access_token": raw, "token_type": "Bearer", "scope": token.scope, "expires_in": expires_in}
        )
