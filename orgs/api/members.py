"""An organization's members and outside collaborators on Quay's paths (organization admin)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orgs.api.access import is_robot_name
from orgs.api.fields import AvatarOutput
from orgs.avatars import user_avatar
from orgs.errors import NotFound
from orgs.models import Organization
from orgs.request_context import request_actor
from orgs.selectors.identity import organization_get_for_member, user_get
from orgs.selectors.members import (
    MemberView,
    organization_collaborators,
    organization_member_get,
    organization_members,
)
from orgs.services.authorization import require_namespace_admin
from orgs.services.organizations import organization_member_remove
from quaysite.api_schema import ERROR_RESPONSES


class MemberTeamOutput(serializers.Serializer):
    name = serializers.CharField()


class MemberOutput(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.CharField(help_text="user or robot")
    teams = MemberTeamOutput(many=True)
    repositories = serializers.ListField(child=serializers.CharField(), help_text="Directly granted")
    avatar = AvatarOutput()


class MemberListOutput(serializers.Serializer):
    members = MemberOutput(many=True)


class CollaboratorOutput(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.CharField()
    repositories = serializers.ListField(child=serializers.CharField())
    avatar = AvatarOutput()


class CollaboratorListOutput(serializers.Serializer):
    collaborators = CollaboratorOutput(many=True)


def _member_view(member: MemberView) -> dict:
    return {
        "name": member.user.username,
        "kind": "robot" if is_robot_name(member.user.username) else "user",
        "teams": [{"name": team} for team in member.teams],
        "repositories": member.repositories,
        "avatar": user_avatar(member.user.username),
    }


def _organization_for_admin(request: Request, orgname: str) -> Organization:
    organization = organization_get_for_member(user=request_actor(request), name=orgname)
    require_namespace_admin(actor=request_actor(request), namespace=organization.namespace)
    return organization


class OrganizationMemberListView(APIView):
    required_scopes = ["org:admin"]

    @extend_schema(
        operation_id="getOrganizationMembers",
        description="List the people in the organization's teams, with their teams and direct grants.",
        responses={200: MemberListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, orgname: str) -> Response:
        organization = _organization_for_admin(request, orgname)
        members = organization_members(organization=organization)
        return Response({"members": [_member_view(member) for member in members]})


class OrganizationMemberView(APIView):
    required_scopes = ["org:admin"]

    @extend_schema(
        operation_id="getOrganizationMember",
        description="Get a member of the organization (a user in a team, or its robot) (organization admin).",
        responses={200: MemberOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, orgname: str, membername: str) -> Response:
        organization = _organization_for_admin(request, orgname)
        member = organization_member_get(organization=organization, user=user_get(name=membername))
        if member is None:
            raise NotFound(f"{membername} is not a member of {orgname}")
        return Response(MemberOutput(_member_view(member)).data)

    @extend_schema(
        operation_id="removeOrganizationMember",
        description=(
            "Remove a person from every team of the organization and drop their direct grants on "
            "its repositories; the last owner stays (organization admin)."
        ),
        responses={204: OpenApiResponse(description="Deleted"), **ERROR_RESPONSES},
    )
    def delete(self, request: Request, orgname: str, membername: str) -> Response:
        organization = _organization_for_admin(request, orgname)
        organization_member_remove(
            organization=organization, user=user_get(name=membername), actor=request_actor(request)
        )
        return Response(status=204)


class OrganizationCollaboratorListView(APIView):
    required_scopes = ["org:admin"]

    @extend_schema(
        operation_id="getOrganizationCollaborators",
        description=(
            "List the outside collaborators: users in none of the organization's teams who hold a "
            "direct grant on one of its repositories (organization admin)."
        ),
        responses={200: CollaboratorListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, orgname: str) -> Response:
        organization = _organization_for_admin(request, orgname)
        collaborators = [
            {
                "name": member.user.username,
                "kind": "user",
                "repositories": member.repositories,
                "avatar": user_avatar(member.user.username),
            }
            for member in organization_collaborators(organization=organization)
        ]
        return Response({"collaborators": collaborators})
