"""Robot accounts of the caller and of organizations, on Quay's paths: thin over orgs.services.robots.

A robot's token is in the responses of creation and regeneration only: it is stored as a hash.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orgs.api.fields import AvatarOutput, QuayDateField
from orgs.avatars import team_avatar, user_avatar
from orgs.errors import NotPermitted
from orgs.models import Namespace, RobotAccount, User
from orgs.request_context import request_actor
from orgs.selectors.identity import namespace_role, organization_get_for_member, robot_get, robot_list
from orgs.selectors.members import RobotReach, robot_grant_list, robot_reach_in
from orgs.services import robot_create, robot_delete, robot_token_regenerate
from orgs.services.authorization import require_namespace_admin
from quaysite.api_schema import ERROR_RESPONSES


class RobotInput(serializers.Serializer):
    description = serializers.CharField(required=False, allow_blank=True, default="")
    unstructured_metadata = serializers.DictField(
        required=False, help_text="Accepted for Quay compatibility; not kept"
    )


class RobotOutput(serializers.Serializer):
    name = serializers.CharField(source="user.username")
    description = serializers.CharField()
    created = QuayDateField()
    last_accessed = QuayDateField(source="user.last_login")
    unstructured_metadata = serializers.DictField(default=dict)
    avatar = serializers.SerializerMethodField()

    @extend_schema_field(AvatarOutput)
    def get_avatar(self, robot: RobotAccount) -> dict:
        return user_avatar(robot.user.username)


class RobotWithTokenOutput(RobotOutput):
    token = serializers.CharField(help_text="Shown by creation and regeneration only")


class RobotTeamOutput(serializers.Serializer):
    name = serializers.CharField()
    avatar = AvatarOutput()


class RobotWithPermissionsOutput(RobotOutput):
    teams = RobotTeamOutput(many=True, required=False, help_text="With permissions=true, for admins")
    repositories = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Granted directly; with permissions=true"
    )


class RobotListOutput(serializers.Serializer):
    robots = RobotWithPermissionsOutput(many=True)


class RobotListQuery(serializers.Serializer):
    permissions = serializers.BooleanField(
        default=False, help_text="Add each robot's teams and repositories (namespace admins only, as in Quay)"
    )
    token = serializers.BooleanField(
        default=False, help_text="Accepted for Quay compatibility; tokens are never listed"
    )
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=10**6, help_text="At most this many robots"
    )


class RobotPermissionRepositoryOutput(serializers.Serializer):
    name = serializers.CharField()
    is_public = serializers.BooleanField()


class RobotPermissionOutput(serializers.Serializer):
    repository = RobotPermissionRepositoryOutput()
    role = serializers.CharField()


class RobotPermissionListOutput(serializers.Serializer):
    permissions = RobotPermissionOutput(many=True)


def _with_reach(view: dict, reach: RobotReach) -> dict:
    teams = [{"name": team, "avatar": team_avatar(team)} for team in reach.teams]
    return {**view, "teams": teams, "repositories": reach.repositories}


def _with_token(robot: RobotAccount, token: str) -> dict:
    return {**RobotOutput(robot).data, "token": token}


class _RobotNamespaceMixin:
    """Resolves the namespace of the path: the caller's own, or an organization they belong to."""

    def namespace_for(self, user: User, orgname: str | None) -> Namespace:
        if orgname is None:
            if user.namespace is None:
                raise NotPermitted(f"{user} has no namespace of its own")
            return user.namespace
        return organization_get_for_member(user=user, name=orgname).namespace


class RobotListView(_RobotNamespaceMixin, APIView):
    required_scopes = ["user:admin"]

    @extend_schema(
        operation_id="getUserRobots",
        description=(
            "List the robots of the namespace (its members, as in Quay); never their tokens. With "
            "permissions=true, administrators also get each robot's teams and repositories."
        ),
        parameters=[RobotListQuery],
        responses={200: RobotListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, orgname: str | None = None) -> Response:
        # Membership is all Quay asks to list an organization's robots; the tokens are never shown.
        namespace = self.namespace_for(request_actor(request), orgname)
        query = RobotListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        robots = robot_list(namespace=namespace)
        if "limit" in query.validated_data:
            robots = robots[: query.validated_data["limit"]]
        robots = list(robots)
        listed = RobotOutput(robots, many=True).data
        if (
            query.validated_data["permissions"]
            and namespace_role(user=request_actor(request), namespace=namespace) == "admin"
        ):
            reach = robot_reach_in(namespace_id=namespace.pk)
            listed = [
                _with_reach(view, reach.get(robot.user_id, RobotReach()))
                for view, robot in zip(listed, robots, strict=True)
            ]
        return Response({"robots": listed})


class RobotView(_RobotNamespaceMixin, APIView):
    required_scopes = ["user:admin"]

    @extend_schema(
        operation_id="getUserRobot",
        description="Get one robot of the namespace (its administrators only), without its token.",
        responses={200: RobotOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, robot_shortname: str, orgname: str | None = None) -> Response:
        namespace = self.namespace_for(request_actor(request), orgname)
        require_namespace_admin(actor=request_actor(request), namespace=namespace)
        return Response(RobotOutput(robot_get(namespace=namespace, short_name=robot_shortname)).data)

    @extend_schema(
        operation_id="createUserRobot",
        description="Create a robot in the namespace (admins only); the response holds the token.",
        request=RobotInput,
        responses={201: RobotWithTokenOutput, **ERROR_RESPONSES},
    )
    def put(self, request: Request, robot_shortname: str, orgname: str | None = None) -> Response:
        namespace = self.namespace_for(request_actor(request), orgname)
        data = RobotInput(data=request.data)
        data.is_valid(raise_exception=True)
        robot, token = robot_create(
            namespace=namespace,
            short_name=robot_shortname,
            description=data.validated_data["description"],
            actor=request_actor(request),
        )
        return Response(_with_token(robot, token), status=201)

    @extend_schema(
        operation_id="deleteUserRobot",
        description="Delete the robot, its team memberships and repository grants (namespace admins).",
        responses={204: OpenApiResponse(description="Deleted"), **ERROR_RESPONSES},
    )
    def delete(self, request: Request, robot_shortname: str, orgname: str | None = None) -> Response:
        namespace = self.namespace_for(request_actor(request), orgname)
        require_namespace_admin(actor=request_actor(request), namespace=namespace)
        robot_delete(
            robot=robot_get(namespace=namespace, short_name=robot_shortname), actor=request_actor(request)
        )
        return Response(status=204)


class RobotPermissionsView(_RobotNamespaceMixin, APIView):
    required_scopes = ["user:admin"]

    @extend_schema(
        operation_id="getUserRobotPermissions",
        description="List the repositories granted to the robot directly, with the role (namespace admins).",
        responses={200: RobotPermissionListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, robot_shortname: str, orgname: str | None = None) -> Response:
        namespace = self.namespace_for(request_actor(request), orgname)
        require_namespace_admin(actor=request_actor(request), namespace=namespace)
        robot = robot_get(namespace=namespace, short_name=robot_shortname)
        permissions = [
            {
                "repository": {"name": grant.repository.name, "is_public": grant.repository.is_public},
                "role": grant.role,
            }
            for grant in robot_grant_list(robot=robot)
        ]
        return Response(RobotPermissionListOutput({"permissions": permissions}).data)


class RobotRegenerateView(_RobotNamespaceMixin, APIView):
    required_scopes = ["user:admin"]

    @extend_schema(
        operation_id="regenerateUserRobotToken",
        description="Give the robot a new token, returned here; the old one stops working (admins only).",
        request=None,
        responses={200: RobotWithTokenOutput, **ERROR_RESPONSES},
    )
    def post(self, request: Request, robot_shortname: str, orgname: str | None = None) -> Response:
        namespace = self.namespace_for(request_actor(request), orgname)
        require_namespace_admin(actor=request_actor(request), namespace=namespace)
        robot = robot_get(namespace=namespace, short_name=robot_shortname)
        token = robot_token_regenerate(robot=robot, actor=request_actor(request))
        return Response(_with_token(robot, token))


# The organization's paths run the same code under Quay's own operationIds.
@extend_schema_view(get=extend_schema(operation_id="getOrgRobots"))
class OrgRobotListView(RobotListView):
    required_scopes = ["org:admin"]


@extend_schema_view(
    get=extend_schema(operation_id="getOrgRobot"),
    put=extend_schema(operation_id="createOrgRobot"),
    delete=extend_schema(operation_id="deleteOrgRobot"),
)
class OrgRobotView(RobotView):
    required_scopes = ["org:admin"]


@extend_schema_view(get=extend_schema(operation_id="getOrgRobotPermissions"))
class OrgRobotPermissionsView(RobotPermissionsView):
    required_scopes = ["org:admin"]


@extend_schema_view(post=extend_schema(operation_id="regenerateOrgRobotToken"))
class OrgRobotRegenerateView(RobotRegenerateView):
    required_scopes = ["org:admin"]
