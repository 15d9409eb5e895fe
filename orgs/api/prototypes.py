"""Organization default permissions ("prototypes") on Quay's paths: thin over orgs.services.permissions."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orgs.api.access import entity_view
from orgs.api.fields import AvatarOutput
from orgs.avatars import team_avatar
from orgs.models import DefaultPermission, Organization, User
from orgs.models.permissions import Role
from orgs.request_context import request_actor
from orgs.selectors.identity import (
    organization_get_for_member,
    prototype_get,
    prototype_list,
    team_get,
    user_get,
)
from orgs.selectors.members import organization_member_ids
from orgs.services import prototype_create, prototype_delete, prototype_set_role
from orgs.services.authorization import require_namespace_admin
from quaysite.api_schema import ERROR_RESPONSES


class PrototypeDelegateInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["user", "team"])
    name = serializers.CharField()


class PrototypeActivatingUserInput(serializers.Serializer):
    name = serializers.CharField()


class PrototypeInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.values)
    delegate = PrototypeDelegateInput(help_text="The user, robot or team the new repositories grant")
    activating_user = PrototypeActivatingUserInput(
        required=False, allow_null=True, help_text="Only repositories this user creates"
    )


class PrototypeEntityOutput(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.CharField()
    is_robot = serializers.BooleanField(required=False)
    is_org_member = serializers.BooleanField(required=False, help_text="Users and robots only")
    avatar = AvatarOutput()


class PrototypeOutput(serializers.Serializer):
    id = serializers.CharField()
    role = serializers.CharField()
    activating_user = PrototypeEntityOutput(allow_null=True)
    delegate = PrototypeEntityOutput()


class PrototypeListOutput(serializers.Serializer):
    prototypes = PrototypeOutput(many=True)


class PrototypeRoleInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.values)


def _prototype_user_view(user: User, members: set[int]) -> dict:
    view = entity_view(user)
    return {**view, "is_org_member": view["is_robot"] or user.pk in members}


def _prototype_view(prototype: DefaultPermission, members: set[int]) -> dict:
    """``members``: the ids of the organization's team members, for is_org_member."""
    if prototype.delegate_team is not None:
        delegate = {
            "name": prototype.delegate_team.name,
            "kind": "team",
            "avatar": team_avatar(prototype.delegate_team.name),
        }
    else:
        delegate = _prototype_user_view(prototype.delegate_user, members)
    activating = prototype.activating_user
    return {
        "id": str(prototype.pk),
        "role": prototype.role,
        "activating_user": _prototype_user_view(activating, members) if activating is not None else None,
        "delegate": delegate,
    }


def _organization_for_admin(request: Request, orgname: str) -> Organization:
    organization = organization_get_for_member(user=request_actor(request), name=orgname)
    require_namespace_admin(actor=request_actor(request), namespace=organization.namespace)
    return organization


class PrototypeListView(APIView):
    required_scopes = ["org:admin"]

    @extend_schema(
        operation_id="getOrganizationPrototypePermissions",
        description="List the organization's default permissions (organization admin).",
        responses={200: PrototypeListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, orgname: str) -> Response:
        organization = _organization_for_admin(request, orgname)
        members = organization_member_ids(organization=organization)
        prototypes = [
            _prototype_view(prototype, members) for prototype in prototype_list(organization=organization)
        ]
        return Response(PrototypeListOutput({"prototypes": prototypes}).data)

    @extend_schema(
        operation_id="createOrganizationPrototypePermission",
        description=(
            "Create a default permission: new repositories of the organization (created by "
            "activating_user only, if given) grant the delegate the role (organization admin)."
        ),
        request=PrototypeInput,
        responses={200: PrototypeOutput, **ERROR_RESPONSES},
    )
    def post(self, request: Request, orgname: str) -> Response:
        organization = _organization_for_admin(request, orgname)
        data = PrototypeInput(data=request.data)
        data.is_valid(raise_exception=True)
        delegate = data.validated_data["delegate"]
        activating = data.validated_data.get("activating_user")
        prototype = prototype_create(
            organization=organization,
            role=data.validated_data["role"],
            delegate_user=user_get(name=delegate["name"]) if delegate["kind"] == "user" else None,
            delegate_team=(
                team_get(organization=organization, name=delegate["name"])
                if delegate["kind"] == "team"
                else None
            ),
            activating_user=user_get(name=activating["name"]) if activating else None,
            actor=request_actor(request),
        )
        members = organization_member_ids(organization=organization)
        return Response(PrototypeOutput(_prototype_view(prototype, members)).data)


class PrototypeView(APIView):
    required_scopes = ["org:admin"]

    @extend_schema(
        operation_id="deleteOrganizationPrototypePermission",
        description="Delete a default permission; repositories already created keep their grants.",
        responses={204: OpenApiResponse(description="Deleted"), **ERROR_RESPONSES},
    )
    def delete(self, request: Request, orgname: str, prototypeid: str) -> Response:
        organization = _organization_for_admin(request, orgname)
        prototype = prototype_get(organization=organization, prototype_id=prototypeid)
        prototype_delete(prototype=prototype, actor=request_actor(request))
        return Response(status=204)

    @extend_schema(
        operation_id="updateOrganizationPrototypePermission",
        description="Change the role a default permission grants; repositories already created keep theirs.",
        request=PrototypeRoleInput,
        responses={200: PrototypeOutput, **ERROR_RESPONSES},
    )
    def put(self, request: Request, orgname: str, prototypeid: str) -> Response:
        organization = _organization_for_admin(request, orgname)
        prototype = prototype_get(organization=organization, prototype_id=prototypeid)
        data = PrototypeRoleInput(data=request.data)
        data.is_valid(raise_exception=True)
        prototype = prototype_set_role(
            prototype=prototype, role=data.validated_data["role"], actor=request_actor(request)
        )
        members = organization_member_ids(organization=organization)
        return Response(PrototypeOutput(_prototype_view(prototype, members)).data)
