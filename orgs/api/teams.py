"""Teams and their members on Quay's paths: thin over orgs.services.teams."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orgs.api.access import entity_view
from orgs.api.fields import AvatarOutput
from orgs.api.serializers import TeamOutput, team_view
from orgs.errors import NotPermitted
from orgs.models import Team
from orgs.request_context import request_actor
from orgs.selectors.identity import (
    namespace_role,
    organization_get_for_member,
    team_find,
    team_get,
    team_get_with_counts,
    team_names_of,
    user_get,
)
from orgs.selectors.members import team_member_list
from orgs.services import (
    team_create,
    team_delete,
    team_member_add,
    team_member_remove,
    team_set_description,
    team_set_role,
)
from quaysite.api_schema import ERROR_RESPONSES


class TeamInput(serializers.Serializer):
    # A plain string: the services check it, and the document keeps one "role" enum (repositories').
    role = serializers.CharField(help_text="The team's organization role: member, creator or admin")
    description = serializers.CharField(required=False, allow_blank=True, help_text="Markdown description")


class TeamMemberOutput(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.CharField()
    is_robot = serializers.BooleanField()
    invited = serializers.BooleanField(default=False)
    avatar = AvatarOutput()


class TeamMembersOutput(serializers.Serializer):
    name = serializers.CharField()
    members = TeamMemberOutput(many=True)
    can_edit = serializers.BooleanField()


class TeamChangedOutput(TeamOutput):
    new_team = serializers.BooleanField(help_text="Whether this call created the team")


def _team_view(team: Team, *, created: bool) -> dict:
    return {**team_view(team_get_with_counts(team=team), can_view=True), "new_team": created}


class TeamView(APIView):
    required_scopes = ["org:admin"]

    @extend_schema(
        operation_id="updateOrganizationTeam",
        description="Create the team, or change its role and description (organization admin).",
        request=TeamInput,
        responses={200: TeamChangedOutput, **ERROR_RESPONSES},
    )
    def put(self, request: Request, orgname: str, teamname: str) -> Response:
        organization = organization_get_for_member(user=request_actor(request), name=orgname)
        data = TeamInput(data=request.data)
        data.is_valid(raise_exception=True)
        role, description = data.validated_data["role"], data.validated_data.get("description")
        team = team_find(organization=organization, name=teamname)
        if team is None:
            team = team_create(
                organization=organization,
                name=teamname,
                role=role,
                description=description or "",
                actor=request_actor(request),
            )
            return Response(TeamChangedOutput(_team_view(team, created=True)).data)
        if role != team.role:
            team = team_set_role(team=team, role=role, actor=request_actor(request))
        if description is not None and description != team.description:
            team = team_set_description(team=team, description=description, actor=request_actor(request))
        return Response(TeamChangedOutput(_team_view(team, created=False)).data)

    @extend_schema(
        operation_id="deleteOrganizationTeam",
        description="Delete the team; the owners team cannot be deleted (organization admin).",
        responses={204: OpenApiResponse(description="Deleted"), **ERROR_RESPONSES},
    )
    def delete(self, request: Request, orgname: str, teamname: str) -> Response:
        organization = organization_get_for_member(user=request_actor(request), name=orgname)
        team_delete(team=team_get(organization=organization, name=teamname), actor=request_actor(request))
        return Response(status=204)


class TeamMemberListView(APIView):
    required_scopes = ["org:admin"]

    @extend_schema(
        operation_id="getOrganizationTeamMembers",
        description="List the team's members: for organization admins and the team's own members.",
        responses={200: TeamMembersOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, orgname: str, teamname: str) -> Response:
        viewer = request_actor(request)
        organization = organization_get_for_member(user=viewer, name=orgname)
        team = team_get(organization=organization, name=teamname)
        is_admin = namespace_role(user=viewer, namespace=organization.namespace) == "admin"
        # Members already see the team's name in the organization: refusing, not hiding, leaks nothing.
        if not is_admin and team.name not in team_names_of(user=viewer, organization=organization):
            raise NotPermitted(f"{viewer} is neither an admin nor a member of {team}")
        members = team_member_list(team=team)
        body = {"name": team.name, "members": [entity_view(user) for user in members], "can_edit": is_admin}
        return Response(TeamMembersOutput(body).data)


class TeamMemberView(APIView):
    required_scopes = ["org:admin"]

    @extend_schema(
        operation_id="updateOrganizationTeamMember",
        description="Add a user, or a robot of the organization, to the team (organization admin).",
        request=None,
        responses={200: TeamMemberOutput, **ERROR_RESPONSES},
    )
    def put(self, request: Request, orgname: str, teamname: str, membername: str) -> Response:
        organization = organization_get_for_member(user=request_actor(request), name=orgname)
        team = team_get(organization=organization, name=teamname)
        user = user_get(name=membername)
        team_member_add(team=team, user=user, actor=request_actor(request))
        return Response(TeamMemberOutput(entity_view(user)).data)

    @extend_schema(
        operation_id="deleteOrganizationTeamMember",
        description="Remove a member from the team; the owners team keeps a person (organization admin).",
        responses={204: OpenApiResponse(description="Deleted"), **ERROR_RESPONSES},
    )
    def delete(self, request: Request, orgname: str, teamname: str, membername: str) -> Response:
        organization = organization_get_for_member(user=request_actor(request), name=orgname)
        team = team_get(organization=organization, name=teamname)
        team_member_remove(team=team, user=user_get(name=membername), actor=request_actor(request))
        return Response(status=204)
