"""Quay's superuser console API: users and organizations of the whole registry, for superusers
(SUPER_USERS) only; anyone else gets 403, and a missing name 404.

Deleting an organization queues the purge of its repositories (garbage collection), so it is
not here.
"""

from __future__ import annotations

import secrets

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orgs.api.fields import AvatarOutput
from orgs.avatars import organization_avatar, user_avatar
from orgs.models import Organization, User
from orgs.request_context import request_actor, request_user
from orgs.selectors.identity import is_superuser, organization_get
from orgs.selectors.superuser import organization_list, person_get, person_list
from orgs.services import user_create
from orgs.services.superuser import superuser_organization_update, superuser_user_update, user_delete
from quaysite.api_paging import page_slice
from quaysite.api_schema import ERROR_RESPONSES

PAGE_SIZE = 100


class IsSuperuser(BasePermission):
    message = "superusers only"

    def has_permission(self, request: Request, view: APIView) -> bool:
        return is_superuser(request_user(request))


class PageQuery(serializers.Serializer):
    next_page = serializers.CharField(required=False, help_text="The token of the page to return")


class SuperuserUserOutput(serializers.Serializer):
    kind = serializers.CharField(default="user")
    name = serializers.CharField(source="username")
    username = serializers.CharField()
    email = serializers.CharField()
    verified = serializers.BooleanField(default=True)
    super_user = serializers.SerializerMethodField()
    enabled = serializers.BooleanField(source="is_active")
    avatar = serializers.SerializerMethodField()

    def get_super_user(self, user: User) -> bool:
        return is_superuser(user)

    @extend_schema_field(AvatarOutput)
    def get_avatar(self, user: User) -> dict:
        return user_avatar(user.username)


class SuperuserUserListOutput(serializers.Serializer):
    users = SuperuserUserOutput(many=True)
    next_page = serializers.CharField(required=False)


class SuperuserUserCreateInput(serializers.Serializer):
    username = serializers.CharField()
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    password = serializers.CharField(required=False, help_text="Generated when absent")


class SuperuserUserCreatedOutput(serializers.Serializer):
    username = serializers.CharField()
    email = serializers.CharField()
    password = serializers.CharField(help_text="Shown in this response only")
    encrypted_password = serializers.CharField(
        help_text=(
            "The credential for docker login, as in Quay; this registry takes the password itself "
            "(it keeps no separately encrypted form), so it is the same value"
        )
    )


class SuperuserUserUpdateInput(serializers.Serializer):
    email = serializers.EmailField(required=False)
    password = serializers.CharField(required=False)
    enabled = serializers.BooleanField(required=False)


class SuperuserOrganizationOutput(serializers.Serializer):
    name = serializers.CharField(source="namespace.name")
    email = serializers.CharField()
    avatar = serializers.SerializerMethodField()

    @extend_schema_field(AvatarOutput)
    def get_avatar(self, organization: Organization) -> dict:
        return organization_avatar(organization.namespace.name)


class SuperuserOrganizationListOutput(serializers.Serializer):
    organizations = SuperuserOrganizationOutput(many=True)
    next_page = serializers.CharField(required=False)


class SuperuserOrganizationUpdateInput(serializers.Serializer):
    name = serializers.CharField(required=False, help_text="A new name for the organization")
    email = serializers.EmailField(required=False)


def _page(request: Request, queryset: object, key: str, serializer: type[serializers.Serializer]) -> Response:
    query = PageQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    rows, next_page = page_slice(queryset, token=query.validated_data.get("next_page"), size=PAGE_SIZE)
    body = {key: serializer(rows, many=True).data}
    if next_page:
        body["next_page"] = next_page
    return Response(body)


class _SuperuserView(APIView):
    required_scopes = ["super:user"]
    permission_classes = [IsAuthenticated, IsSuperuser]


class SuperuserUserListView(_SuperuserView):
    @extend_schema(
        operation_id="listAllUsers",
        description="List every user of the registry (robots aside), by name; pages with next_page.",
        parameters=[PageQuery],
        responses={200: SuperuserUserListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        return _page(request, person_list(), "users", SuperuserUserOutput)

    @extend_schema(
        operation_id="createInstallUser",
        description="Create a user; without a password one is generated and returned once.",
        request=SuperuserUserCreateInput,
        responses={200: SuperuserUserCreatedOutput, **ERROR_RESPONSES},
    )
    def post(self, request: Request) -> Response:
        data = SuperuserUserCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        password = data.validated_data.get("password") or secrets.token_urlsafe(18)
        user = user_create(
            username=data.validated_data["username"],
            password=password,
            email=data.validated_data["email"],
            actor=request_actor(request),
        )
        body = {
            "username": user.username,
            "email": user.email,
            "password": password,
            "encrypted_password": password,
        }
        return Response(SuperuserUserCreatedOutput(body).data)


class SuperuserUserView(_SuperuserView):
    @extend_schema(
        operation_id="getInstallUser",
        description="Get one user of the registry.",
        responses={200: SuperuserUserOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, username: str) -> Response:
        return Response(SuperuserUserOutput(person_get(name=username)).data)

    @extend_schema(
        operation_id="changeInstallUser",
        description="Enable or disable a user, or set their e-mail address or password (not a superuser's).",
        request=SuperuserUserUpdateInput,
        responses={200: SuperuserUserOutput, **ERROR_RESPONSES},
    )
    def put(self, request: Request, username: str) -> Response:
        user = person_get(name=username)
        data = SuperuserUserUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = superuser_user_update(user=user, actor=request_actor(request), **data.validated_data)
        return Response(SuperuserUserOutput(user).data)

    @extend_schema(
        operation_id="deleteInstallUser",
        description=(
            "Delete a user with their robots; refused while they own repositories or are the last "
            "owner of an organization, and for superusers."
        ),
        responses={204: OpenApiResponse(description="Deleted"), **ERROR_RESPONSES},
    )
    def delete(self, request: Request, username: str) -> Response:
        user_delete(user=person_get(name=username), actor=request_actor(request))
        return Response(status=204)


class SuperuserOrganizationListView(_SuperuserView):
    @extend_schema(
        operation_id="listAllOrganizations",
        description="List every organization of the registry, by name; pages with next_page.",
        parameters=[PageQuery],
        responses={200: SuperuserOrganizationListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        return _page(request, organization_list(), "organizations", SuperuserOrganizationOutput)


class SuperuserOrganizationView(_SuperuserView):
    @extend_schema(
        operation_id="changeOrganization",
        description="Rename an organization or set its e-mail address.",
        request=SuperuserOrganizationUpdateInput,
        responses={200: SuperuserOrganizationOutput, **ERROR_RESPONSES},
    )
    def put(self, request: Request, name: str) -> Response:
        organization = organization_get(name=name)
        data = SuperuserOrganizationUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        organization = superuser_organization_update(
            organization=organization, actor=request_actor(request), **data.validated_data
        )
        return Response(SuperuserOrganizationOutput(organization).data)
