"""The current user and organizations, on Quay's paths: thin over orgs.services and selectors."""

from __future__ import annotations

from django.contrib.auth import update_session_auth_hash
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orgs.api.access import is_robot_name
from orgs.api.serializers import (
    OrganizationCreateInput,
    OrganizationOutput,
    OrganizationUpdateInput,
    PublicUserOutput,
    UserOutput,
    UserUpdateInput,
    team_view,
)
from orgs.avatars import organization_avatar, user_avatar
from orgs.errors import NotFound
from orgs.hooks import namespace_response_extra
from orgs.models import Namespace, Organization, Team, User
from orgs.request_context import request_actor, request_user
from orgs.selectors.identity import (
    is_superuser,
    namespace_role,
    organization_get,
    organization_get_for_member,
    organization_roles_for,
    team_list_with_counts,
    team_names_of,
    user_get,
)
from orgs.services import organization_create
from orgs.services.namespaces import time_machine_window
from orgs.services.organization_delete import organization_delete
from orgs.services.profile import organization_update, user_update
from quaysite.api_schema import ERROR_RESPONSES


def _tag_expiration_seconds(namespace: Namespace) -> int:
    return int(time_machine_window(namespace).total_seconds())


def _user_view(user: User) -> dict:
    memberships = organization_roles_for(user=user)
    return {
        "anonymous": False,
        "username": user.username,
        "email": user.email,
        "verified": True,
        "is_me": True,
        "can_create_repo": True,
        "super_user": is_superuser(user),
        "tag_expiration_s": _tag_expiration_seconds(user.namespace) if user.namespace else 0,
        "avatar": user_avatar(user.username),
        "logins": [],
        "invoice_email": False,
        "invoice_email_address": None,
        "organizations": [
            {
                "name": organization.namespace.name,
                "is_org_admin": role == Team.Role.ADMIN,
                "can_create_repo": role in (Team.Role.ADMIN, Team.Role.CREATOR),
                "public": False,
                "preferred_namespace": False,
                "avatar": organization_avatar(organization.namespace.name),
            }
            for organization, role in memberships
        ],
    }


def _user_body(user: User) -> dict:
    extra = namespace_response_extra(user.namespace) if user.namespace else {}
    return {**UserOutput(_user_view(user)).data, **extra}


class UserView(APIView):
    required_scopes = {"GET": ["user:read"], "PUT": ["user:admin"]}

    @extend_schema(
        operation_id="getLoggedInUser",
        description="Get user information for the authenticated user.",
        responses={200: UserOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        return Response(_user_body(request_actor(request)))

    @extend_schema(
        operation_id="changeUserDetails",
        description=(
            "Change the caller's e-mail address, password or tag_expiration_s (how long ended tags "
            "stay restorable: one of the configured TAG_EXPIRATION_OPTIONS, in seconds)."
        ),
        request=UserUpdateInput,
        responses={200: UserOutput, **ERROR_RESPONSES},
    )
    def put(self, request: Request) -> Response:
        data = UserUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        actor = request_actor(request)
        user = user_update(user=actor, actor=actor, **data.validated_data)
        if "password" in data.validated_data and request.auth is None:
            # Keep this browser logged in; every other session of the user ends.
            update_session_auth_hash(request._request, user)
        return Response(_user_body(user))


class PublicUserView(APIView):
    required_scopes = ["user:read"]
    # A user's public profile is readable without a login, as in Quay.
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="getUserInformation",
        description="Get the public profile of a user (robots and disabled users are not found).",
        responses={200: PublicUserOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, username: str) -> Response:
        user = user_get(name=username)
        if is_robot_name(user.username):
            raise NotFound(f"no user named {username!r}")
        body = {"username": user.username, "is_robot": False, "avatar": user_avatar(user.username)}
        return Response(PublicUserOutput(body).data)


class OrganizationListView(APIView):
    required_scopes = ["user:admin"]

    @extend_schema(
        operation_id="createOrganization",
        description="Create a new organization; the caller becomes a member of its owners team.",
        request=OrganizationCreateInput,
        responses={201: OpenApiResponse(description="Created"), **ERROR_RESPONSES},
    )
    def post(self, request: Request) -> Response:
        data = OrganizationCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        organization_create(
            name=data.validated_data["name"],
            email=data.validated_data["email"],
            creator=request_actor(request),
        )
        return Response("Created", status=201)


def _organization_view(organization: Organization, user: User | None) -> dict:
    role = namespace_role(user=user, namespace=organization.namespace)
    is_admin = role == Team.Role.ADMIN
    view = {
        "name": organization.namespace.name,
        "email": organization.email if is_admin else "",
        "is_admin": is_admin,
        "is_member": role is not None,
        "avatar": organization_avatar(organization.namespace.name),
    }
    if role is None:
        return view
    teams = list(team_list_with_counts(organization=organization))
    viewable = None if is_admin else team_names_of(user=user, organization=organization)
    view["teams"] = {
        team.name: team_view(team, can_view=viewable is None or team.name in viewable) for team in teams
    }
    view["ordered_teams"] = [team.name for team in teams]
    if is_admin:
        view["tag_expiration_s"] = _tag_expiration_seconds(organization.namespace)
        view["invoice_email"] = False
        view["invoice_email_address"] = ""
    return view


def _organization_body(organization: Organization, user: User | None) -> dict:
    body = OrganizationOutput(_organization_view(organization, user)).data
    # Members only, as the teams: what the organization stores is not public.
    return {**body, **namespace_response_extra(organization.namespace)} if body["is_member"] else body


class OrganizationView(APIView):
    required_scopes = {"GET": ["user:read"], "PUT": ["org:admin"], "DELETE": ["org:admin"]}

    def get_permissions(self) -> list:
        # Anonymous callers may read (a public one); writes need the default login.
        return [AllowAny()] if self.request.method == "GET" else super().get_permissions()

    @extend_schema(
        operation_id="getOrganization",
        description=(
            "Get the details for the specified organization. Its name is public; members also "
            "see its teams, administrators its e-mail address."
        ),
        responses={200: OrganizationOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, orgname: str) -> Response:
        organization = organization_get(name=orgname)
        return Response(_organization_body(organization, request_user(request)))

    @extend_schema(
        operation_id="changeOrganizationDetails",
        description=(
            "Change the organization's e-mail address or tag_expiration_s (how long ended tags stay "
            "restorable: one of the configured TAG_EXPIRATION_OPTIONS, in seconds) (organization admin)."
        ),
        request=OrganizationUpdateInput,
        responses={200: OrganizationOutput, **ERROR_RESPONSES},
    )
    def put(self, request: Request, orgname: str) -> Response:
        actor = request_actor(request)
        organization = organization_get_for_member(user=actor, name=orgname)
        data = OrganizationUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        organization = organization_update(organization=organization, actor=actor, **data.validated_data)
        return Response(_organization_body(organization, actor))

    @extend_schema(
        operation_id="deleteAdminedOrganization",
        description=(
            "Delete the organization (administrators only): its name is free at once, its "
            "repositories' data is reclaimed by garbage collection."
        ),
        responses={204: OpenApiResponse(description="Deleted"), **ERROR_RESPONSES},
    )
    def delete(self, request: Request, orgname: str) -> Response:
        organization_delete(actor=request_actor(request), organization=organization_get(name=orgname))
        return Response(status=204)
