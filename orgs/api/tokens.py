"""The caller's app-specific tokens on Quay's paths: thin over orgs.services.tokens.

The token (``token_code``) is in the creation response only: the table keeps its hash. A token is
named by its code, the part used to find it, which is not the secret.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orgs.api.fields import QuayDateField
from orgs.request_context import request_actor
from orgs.selectors.identity import app_token_get, app_token_list
from orgs.services import app_token_create, app_token_revoke
from quaysite.api_schema import ERROR_RESPONSES


class AppTokenInput(serializers.Serializer):
    title = serializers.CharField(help_text="What the token is for")


class AppTokenOutput(serializers.Serializer):
    uuid = serializers.CharField(source="code")
    title = serializers.CharField()
    created = QuayDateField()
    last_accessed = QuayDateField(source="last_used")
    expiration = QuayDateField(source="expires")


class AppTokenWithCodeOutput(AppTokenOutput):
    token_code = serializers.CharField(help_text="The token, shown in this response only")


class AppTokenListOutput(serializers.Serializer):
    tokens = AppTokenOutput(many=True)
    only_expiring = serializers.BooleanField(allow_null=True)


class AppTokenEnvelopeOutput(serializers.Serializer):
    token = AppTokenOutput()


class AppTokenCreatedOutput(serializers.Serializer):
    token = AppTokenWithCodeOutput()


class AppTokenListView(APIView):
    required_scopes = ["user:admin"]

    @extend_schema(
        operation_id="listAppTokens",
        description="List the caller's app-specific tokens, newest first, without their secrets.",
        responses={200: AppTokenListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        tokens = app_token_list(user=request_actor(request))
        return Response(AppTokenListOutput({"tokens": tokens, "only_expiring": None}).data)

    @extend_schema(
        operation_id="createAppToken",
        description="Create an app-specific token for the caller; token_code is shown in this response only.",
        request=AppTokenInput,
        responses={200: AppTokenCreatedOutput, **ERROR_RESPONSES},
    )
    def post(self, request: Request) -> Response:
        data = AppTokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        token, token_code = app_token_create(
            user=request_actor(request), title=data.validated_data["title"], actor=request_actor(request)
        )
        return Response({"token": {**AppTokenOutput(token).data, "token_code": token_code}})


class AppTokenView(APIView):
    required_scopes = ["user:admin"]

    @extend_schema(
        operation_id="getAppToken",
        description="Get one of the caller's app-specific tokens, without its secret.",
        responses={200: AppTokenEnvelopeOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, token_uuid: str) -> Response:
        token = app_token_get(user=request_actor(request), code=token_uuid)
        return Response({"token": AppTokenOutput(token).data})

    @extend_schema(
        operation_id="revokeAppToken",
        description="Revoke one of the caller's app-specific tokens: it stops working at once.",
        responses={204: OpenApiResponse(description="Deleted"), **ERROR_RESPONSES},
    )
    def delete(self, request: Request, token_uuid: str) -> Response:
        actor = request_actor(request)
        app_token_revoke(token=app_token_get(user=actor, code=token_uuid), actor=actor)
        return Response(status=204)
