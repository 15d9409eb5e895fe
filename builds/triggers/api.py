"""Triggers on Quay's paths and JSON (its endpoints/api/trigger.py): a repository's admins list,
create, activate, toggle, start and delete them. Thin over builds.triggers.services."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from builds.api.views import build_view
from builds.models import BuildTrigger
from builds.selectors import pull_robot_get
from builds.triggers import services
from builds.triggers.selectors import trigger_builds, trigger_get, trigger_list
from builds.triggers.signatures import TOKEN_USERNAME
from orgs.request_context import request_actor, request_user
from quaysite.api_schema import ERROR_RESPONSES
from quaysite.hosts import service_host
from registry.models import Repository
from registry.selectors.repositories import repository_get_readable
from registry.services.authorization import require_repository_admin


def _admin_repository(request: Request, repository: str) -> Repository:
    # A caller who cannot read the repository gets its 404; a reader or writer 403.
    found = repository_get_readable(user=request_user(request), full_name=repository).repository
    require_repository_admin(actor=request_actor(request), repository=found)
    return found


def _user(user: object) -> dict | None:
    if user is None:
        return None
    return {"name": user.username, "kind": "user", "is_robot": hasattr(user, "robot")}  # type: ignore[attr-defined]


def webhook_url(request: Request, trigger: BuildTrigger, secret: str = "") -> str:
    """Where the service posts; for custom-git with Quay's $token credentials in it."""
    path = reverse("webhook-push-trigger", args=[str(trigger.uuid)])
    credentials = f"{TOKEN_USERNAME}:{secret}@" if secret and trigger.service == "custom-git" else ""
    return f"{settings.PREFERRED_URL_SCHEME}://{credentials}{service_host(request)}{path}"


def trigger_view(request: Request, trigger: BuildTrigger) -> dict:
    """Quay's trigger_view (the caller is an admin), plus the webhook URL without its secret."""
    config = trigger.config
    return {
        "id": str(trigger.uuid),
        "service": trigger.service,
        "config": config,
        "build_source": config.get("build_source"),
        "repository_url": config.get("build_source"),
        "is_active": bool(config.get("build_source")),
        "can_invoke": True,
        "enabled": trigger.enabled,
        "disabled_reason": trigger.disabled_reason or None,
        "connected_user": trigger.connected_user.username if trigger.connected_user else None,
        "pull_robot": _user(trigger.pull_robot),
        "webhook_url": webhook_url(request, trigger),
    }


class TriggerCreateInput(serializers.Serializer):
    service = serializers.ChoiceField(choices=BuildTrigger.Service.values)


class TriggerToggleInput(serializers.Serializer):
    enabled = serializers.BooleanField()
    disabled_reason = serializers.CharField(required=False, allow_blank=True, max_length=255)


class TriggerActivateInput(serializers.Serializer):
    config = serializers.JSONField()
    pull_robot = serializers.CharField(required=False, allow_null=True, allow_blank=True)


class RefsInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["branch", "tag"])
    name = serializers.CharField(max_length=255)


class TriggerStartInput(serializers.Serializer):
    branch_name = serializers.CharField(required=False, allow_blank=True, max_length=255)
    commit_sha = serializers.CharField(required=False, allow_blank=True, max_length=64)
    refs = RefsInput(required=False)


class TriggerListView(APIView):
    required_scopes = ["repo:admin"]

    @extend_schema(
        operation_id="listBuildTriggers",
        description="The repository's build triggers (admins).",
        responses={200: OpenApiResponse(description="{'triggers': [...]}"), **ERROR_RESPONSES},
    )
    def get(self, request: Request, repository: str) -> Response:
        found = _admin_repository(request, repository)
        return Response({"triggers": [trigger_view(request, t) for t in trigger_list(repository=found)]})

    @extend_schema(
        operation_id="createBuildTrigger",
        description=(
            "A new trigger of the service, not yet active: POST its /activate with a config to "
            "get its webhook secret and deploy key (admins; Quay creates them in its OAuth flow)."
        ),
        request=TriggerCreateInput,
        responses={201: OpenApiResponse(description="The trigger"), **ERROR_RESPONSES},
    )
    def post(self, request: Request, repository: str) -> Response:
        found = _admin_repository(request, repository)
        data = TriggerCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        trigger = services.trigger_create(
            repository=found, actor=request_actor(request), service=data.validated_data["service"]
        )
        return Response(trigger_view(request, trigger), status=201)


class TriggerView(APIView):
    required_scopes = ["repo:admin"]

    @extend_schema(
        operation_id="getBuildTrigger", description="One trigger (admins).", responses=ERROR_RESPONSES
    )
    def get(self, request: Request, repository: str, trigger_uuid: str) -> Response:
        found = _admin_repository(request, repository)
        return Response(trigger_view(request, trigger_get(repository=found, trigger_uuid=trigger_uuid)))

    @extend_schema(
        operation_id="updateBuildTrigger",
        description="Enable or disable the trigger (admins); a disabled one builds nothing.",
        request=TriggerToggleInput,
        responses=ERROR_RESPONSES,
    )
    def put(self, request: Request, repository: str, trigger_uuid: str) -> Response:
        found = _admin_repository(request, repository)
        data = TriggerToggleInput(data=request.data)
        data.is_valid(raise_exception=True)
        trigger = services.trigger_enabled_set(
            trigger=trigger_get(repository=found, trigger_uuid=trigger_uuid),
            actor=request_actor(request),
            enabled=data.validated_data["enabled"],
            reason=data.validated_data.get("disabled_reason", ""),
        )
        return Response(trigger_view(request, trigger))

    @extend_schema(
        operation_id="deleteBuildTrigger",
        description="Delete the trigger (admins); its builds stay.",
        responses={204: None, **ERROR_RESPONSES},
    )
    def delete(self, request: Request, repository: str, trigger_uuid: str) -> Response:
        found = _admin_repository(request, repository)
        services.trigger_delete(
            trigger=trigger_get(repository=found, trigger_uuid=trigger_uuid), actor=request_actor(request)
        )
        return Response(status=204)


class TriggerActivateView(APIView):
    required_scopes = ["repo:admin"]

    @extend_schema(
        operation_id="activateBuildTrigger",
        description=(
            "Configure the trigger (build_source, dockerfile_path, context, branchtag_regex, "
            "tag_templates, default_tag_from_ref, latest_for_default_branch) and make its webhook "
            "secret and SSH deploy key, shown in this answer only (admins)."
        ),
        request=TriggerActivateInput,
        responses=ERROR_RESPONSES,
    )
    def post(self, request: Request, repository: str, trigger_uuid: str) -> Response:
        found = _admin_repository(request, repository)
        actor = request_actor(request)
        data = TriggerActivateInput(data=request.data)
        data.is_valid(raise_exception=True)
        robot_name = data.validated_data.get("pull_robot")
        activation = services.trigger_activate(
            trigger=trigger_get(repository=found, trigger_uuid=trigger_uuid),
            actor=actor,
            config=data.validated_data["config"],
            pull_robot=pull_robot_get(actor=actor, username=robot_name) if robot_name else None,
        )
        view = trigger_view(request, activation.trigger)
        # Quay's custom-git shows the key as config credentials; the secret goes in the hook URL.
        view["config"] = {
            **view["config"],
            "credentials": [{"name": "SSH Public Key", "value": activation.public_key}],
        }
        view["public_key"] = activation.public_key
        view["secret"] = activation.secret
        view["webhook_url"] = webhook_url(request, activation.trigger, activation.secret)
        return Response(view)


class TriggerStartView(APIView):
    required_scopes = ["repo:admin"]

    @extend_schema(
        operation_id="manuallyStartBuildTrigger",
        description="Build a branch or tag (refs or branch_name) or one commit (commit_sha) now (admins).",
        request=TriggerStartInput,
        responses={201: OpenApiResponse(description="The build"), **ERROR_RESPONSES},
    )
    def post(self, request: Request, repository: str, trigger_uuid: str) -> Response:
        found = _admin_repository(request, repository)
        data = TriggerStartInput(data=request.data or {})
        data.is_valid(raise_exception=True)
        values = data.validated_data
        ref = values.get("refs") or {}
        build = services.trigger_start(
            trigger=trigger_get(repository=found, trigger_uuid=trigger_uuid),
            actor=request_actor(request),
            branch_name=values.get("branch_name") or (ref["name"] if ref.get("kind") == "branch" else ""),
            tag_name=ref["name"] if ref.get("kind") == "tag" else "",
            commit_sha=values.get("commit_sha") or "",
            registry_host=service_host(request),
        )
        location = reverse("api-repository-build-status", args=[repository, str(build.uuid)])
        return Response(build_view(build, "admin"), status=201, headers={"Location": location})


class TriggerBuildsView(APIView):
    required_scopes = ["repo:admin"]

    @extend_schema(
        operation_id="listTriggerRecentBuilds",
        description="The trigger's builds, newest first (admins).",
        parameters=[OpenApiParameter("limit", int, description="At most this many (5)")],
        responses={200: OpenApiResponse(description="{'builds': [...]}"), **ERROR_RESPONSES},
    )
    def get(self, request: Request, repository: str, trigger_uuid: str) -> Response:
        found = _admin_repository(request, repository)
        try:
            limit = min(max(int(request.query_params.get("limit", 5)), 1), 100)
        except ValueError:
            raise ValidationError("limit is a whole number") from None
        trigger = trigger_get(repository=found, trigger_uuid=trigger_uuid)
        return Response(
            {"builds": [build_view(b, "admin") for b in trigger_builds(trigger=trigger, limit=limit)]}
        )
