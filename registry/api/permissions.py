"""Repository permissions of users, robots and teams on Quay's paths: thin over orgs.services.permissions.

Reading or changing the grants needs admin of the repository: a caller who cannot read the
repository gets 404 as for a missing one, a reader or writer 403.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orgs.api.fields import AvatarOutput
from orgs.avatars import team_avatar, user_avatar
from orgs.errors import NotFound
from orgs.models import RepositoryPermission
from orgs.models.permissions import Role
from orgs.names import ROBOT_SEPARATOR
from orgs.request_context import request_actor, request_user
from orgs.selectors.identity import user_get
from orgs.selectors.members import is_namespace_member
from quaysite.api_schema import ERROR_RESPONSES
from registry.models import Repository
from registry.selectors.repositories import repository_get_readable
from registry.selectors.roles import permission_get, permission_list, repository_roles_of, repository_team_get
from registry.services.authorization import require_repository_admin
from registry.services.permissions import permission_delete, permission_set


class PermissionInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.values)


class UserPermissionOutput(serializers.Serializer):
    name = serializers.CharField()
    role = serializers.CharField()
    is_robot = serializers.BooleanField()
    is_org_member = serializers.BooleanField()
    avatar = AvatarOutput()


class TeamPermissionOutput(serializers.Serializer):
    name = serializers.CharField()
    role = serializers.CharField()
    avatar = AvatarOutput()


class UserPermissionListOutput(serializers.Serializer):
    permissions = serializers.DictField(child=UserPermissionOutput(), help_text="By user or robot name")


class TeamPermissionListOutput(serializers.Serializer):
    permissions = serializers.DictField(child=TeamPermissionOutput(), help_text="By team name")


def _repository_for_admin(request: Request, repository: str) -> Repository:
    found = repository_get_readable(user=request_user(request), full_name=repository).repository
    require_repository_admin(actor=request_actor(request), repository=found)
    return found


def _user_view(permission: RepositoryPermission) -> dict:
    user = permission.user
    is_robot = ROBOT_SEPARATOR in user.username
    return {
        "name": user.username,
        "role": permission.role,
        "is_robot": is_robot,
        "is_org_member": is_robot
        or is_namespace_member(user=user, namespace_id=permission.repository.namespace_id),
        "avatar": user_avatar(user.username),
    }


def _team_view(permission: RepositoryPermission) -> dict:
    return {
        "name": permission.team.name,
        "role": permission.role,
        "avatar": team_avatar(permission.team.name),
    }


class UserPermissionListView(APIView):
    required_scopes = ["repo:admin"]

    @extend_schema(
        operation_id="listRepoUserPermissions",
        description="List the direct grants of users and robots on the repository (admin role).",
        responses={200: UserPermissionListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, repository: str) -> Response:
        found = _repository_for_admin(request, repository)
        grants = permission_list(repository=found, grantee="user")
        return Response({"permissions": {grant.user.username: _user_view(grant) for grant in grants}})


class UserPermissionView(APIView):
    required_scopes = ["repo:admin"]

    @extend_schema(
        operation_id="getUserPermissions",
        description="Get the direct grant of a user or robot on the repository (admin role).",
        responses={200: UserPermissionOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, repository: str, username: str) -> Response:
        found = _repository_for_admin(request, repository)
        return Response(_user_view(permission_get(repository=found, user=user_get(name=username))))

    @extend_schema(
        operation_id="changeUserPermissions",
        description="Grant a user or robot a role on the repository, or change it (admin role).",
        request=PermissionInput,
        responses={200: UserPermissionOutput, **ERROR_RESPONSES},
    )
    def put(self, request: Request, repository: str, username: str) -> Response:
        found = _repository_for_admin(request, repository)
        data = PermissionInput(data=request.data)
        data.is_valid(raise_exception=True)
        permission = permission_set(
            repository=found,
            role=data.validated_data["role"],
            user=user_get(name=username),
            actor=request_actor(request),
        )
        return Response(_user_view(permission))

    @extend_schema(
        operation_id="deleteUserPermissions",
        description="Remove the direct grant of a user or robot on the repository (admin role).",
        responses={204: OpenApiResponse(description="Deleted"), **ERROR_RESPONSES},
    )
    def delete(self, request: Request, repository: str, username: str) -> Response:
        found = _repository_for_admin(request, repository)
        permission_delete(repository=found, user=user_get(name=username), actor=request_actor(request))
        return Response(status=204)


class TeamPermissionListView(APIView):
    required_scopes = ["repo:admin"]

    @extend_schema(
        operation_id="listRepoTeamPermissions",
        description="List the grants of the organization's teams on the repository (admin role).",
        responses={200: TeamPermissionListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, repository: str) -> Response:
        found = _repository_for_admin(request, repository)
        grants = permission_list(repository=found, grantee="team")
        return Response({"permissions": {grant.team.name: _team_view(grant) for grant in grants}})


class TeamPermissionView(APIView):
    required_scopes = ["repo:admin"]

    @extend_schema(
        operation_id="getTeamPermissions",
        description="Get the grant of a team on the repository (admin role).",
        responses={200: TeamPermissionOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, repository: str, teamname: str) -> Response:
        found = _repository_for_admin(request, repository)
        team = repository_team_get(repository=found, name=teamname)
        return Response(_team_view(permission_get(repository=found, team=team)))

    @extend_schema(
        operation_id="changeTeamPermissions",
        description="Grant a team of the organization a role on the repository, or change it (admin role).",
        request=PermissionInput,
        responses={200: TeamPermissionOutput, **ERROR_RESPONSES},
    )
    def put(self, request: Request, repository: str, teamname: str) -> Response:
        found = _repository_for_admin(request, repository)
        data = PermissionInput(data=request.data)
        data.is_valid(raise_exception=True)
        permission = permission_set(
            repository=found,
            role=data.validated_data["role"],
            team=repository_team_get(repository=found, name=teamname),
            actor=request_actor(request),
        )
        return Response(_team_view(permission))

    @extend_schema(
        operation_id="deleteTeamPermissions",
        description="Remove the grant of a team on the repository (admin role).",
        responses={204: OpenApiResponse(description="Deleted"), **ERROR_RESPONSES},
    )
    def delete(self, request: Request, repository: str, teamname: str) -> Response:
        found = _repository_for_admin(request, repository)
        permission_delete(
            repository=found,
            team=repository_team_get(repository=found, name=teamname),
            actor=request_actor(request),
        )
        return Response(status=204)


class TransitivePermissionRoleOutput(serializers.Serializer):
    role = serializers.CharField()


class TransitivePermissionListOutput(serializers.Serializer):
    permissions = TransitivePermissionRoleOutput(many=True)


class UserTransitivePermissionView(APIView):
    required_scopes = ["repo:admin"]

    @extend_schema(
        operation_id="getUserTransitivePermission",
        description=(
            "The roles a user or robot holds on the repository directly and through teams, highest "
            "first; 404 when they hold none (admin role)."
        ),
        responses={200: TransitivePermissionListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, repository: str, username: str) -> Response:
        found = _repository_for_admin(request, repository)
        roles = repository_roles_of(user=user_get(name=username), repository=found)
        if not roles:
            raise NotFound(f"{username} holds no grant on {found}")
        return Response({"permissions": [{"role": role} for role in roles]})
