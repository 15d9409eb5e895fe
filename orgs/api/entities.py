"""Quay's entity search: users, the namespace's robots and teams whose names start with a prefix,
for the pickers that grant permissions and add members."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orgs.api.fields import AvatarOutput
from orgs.avatars import organization_avatar, team_avatar, user_avatar
from orgs.models import Namespace
from orgs.names import ROBOT_SEPARATOR
from orgs.request_context import request_actor
from orgs.selectors.entities import organization_of, teams_matching, users_matching
from orgs.selectors.identity import namespace_find, namespace_role
from orgs.selectors.members import organization_member_ids
from quaysite.api_schema import ERROR_RESPONSES

RESULTS_MAX = 10


class EntitySearchQuery(serializers.Serializer):
    namespace = serializers.CharField(required=False, allow_blank=True, default="")
    # Quay's parameter names.
    includeTeams = serializers.BooleanField(required=False, default=False, help_text="Add matching teams")
    includeOrgs = serializers.BooleanField(
        required=False, default=False, help_text="Add the organization itself (its admins)"
    )


class EntityOutput(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.CharField(help_text="user, team or org")
    is_robot = serializers.BooleanField(required=False)
    is_org_member = serializers.BooleanField(
        required=False, help_text="Shown to the organization's members only"
    )
    avatar = AvatarOutput()


class EntityListOutput(serializers.Serializer):
    results = EntityOutput(many=True)


class EntitySearchView(APIView):
    required_scopes = ["user:read"]

    @extend_schema(
        operation_id="getMatchingEntities",
        description=(
            "Find users whose names start with the prefix; with namespace, also the robots of a "
            "namespace the caller belongs to, its teams (includeTeams) and the organization itself "
            "(includeOrgs, admins)."
        ),
        parameters=[EntitySearchQuery],
        responses={200: EntityListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, prefix: str) -> Response:
        query = EntitySearchQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        args = query.validated_data
        prefix = prefix.replace(" ", "").lower()
        namespace = namespace_find(name=args["namespace"]) if args["namespace"] else None
        viewer = request_actor(request)
        role = namespace_role(user=viewer, namespace=namespace) if namespace is not None else None
        # Who belongs to an organization is for its members to know: a stranger naming it gets
        # the plain user search, without teams or is_org_member.
        organization = (
            organization_of(namespace=namespace)
            if role is not None and namespace.kind == Namespace.Kind.ORGANIZATION
            else None
        )
        results: list[dict] = []
        if organization is not None and args["includeTeams"]:
            teams = teams_matching(organization=organization, prefix=prefix, limit=RESULTS_MAX)
            results += [
                {"name": team.name, "kind": "team", "is_org_member": True, "avatar": team_avatar(team.name)}
                for team in teams
            ]
        users = users_matching(
            prefix=prefix, robot_namespace=namespace if role is not None else None, limit=RESULTS_MAX
        )
        members = set()
        if organization is not None:
            members = organization_member_ids(organization=organization, users=users)
        for user in users:
            is_robot = ROBOT_SEPARATOR in user.username
            entity = {
                "name": user.username,
                "kind": "user",
                "is_robot": is_robot,
                "avatar": user_avatar(user.username),
            }
            if organization is not None:
                entity["is_org_member"] = is_robot or user.pk in members
            results.append(entity)
        if organization is not None and role == "admin" and args["includeOrgs"]:
            if namespace.name.startswith(prefix):
                org = {"name": namespace.name, "kind": "org", "is_org_member": True}
                results.append({**org, "avatar": organization_avatar(namespace.name)})
        return Response({"results": results})
