"""Builds on Quay's paths and JSON (its endpoints/api/build.py): a repository's readers list and
read builds, their status and logs; writers request and cancel them. Thin over builds.services
and builds.selectors."""

from __future__ import annotations

from datetime import UTC, datetime

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from builds.api.serializers import BuildRequestInput, FileDropInput
from builds.filedrop_urls import filedrop_upload_path
from builds.models import RepositoryBuild
from builds.selectors import build_get, build_list, build_logs_page, pull_robot_get
from builds.services import build_cancel, build_request_create
from builds.services.filedrop import filedrop_create
from orgs.api.fields import quay_date
from orgs.models import User
from orgs.request_context import request_actor, request_user
from quaysite.api_schema import ERROR_RESPONSES
from quaysite.hosts import service_host
from registry.models import Repository
from registry.selectors.repositories import repository_get_readable

WRITER_ROLES = ("write", "admin")
BUILD_RESPONSES = {200: OpenApiResponse(description="Quay's build JSON, plus phase_times"), **ERROR_RESPONSES}


def _user_view(user: User | None) -> dict | None:
    if user is None:
        return None
    return {"name": user.username, "kind": "user", "is_robot": hasattr(user, "robot")}


def _trigger_view(build: RepositoryBuild, can_admin: bool) -> dict | None:
    trigger = build.trigger
    if trigger is None:
        return None
    return {
        "id": str(trigger.uuid),
        "service": trigger.service,
        "is_active": trigger.enabled,
        "build_source": trigger.config.get("build_source"),
        "repository_url": trigger.config.get("build_source"),
        "config": trigger.config if can_admin else {},
        "can_invoke": can_admin,
        "enabled": trigger.enabled,
        "disabled_reason": trigger.disabled_reason or None,
    }


def build_view(build: RepositoryBuild, role: str | None) -> dict:
    """Quay's build_status_view, plus our phase_times, finished and build_args."""
    repository = build.repository
    can_write = role in WRITER_ROLES
    heartbeat = build.heartbeat.timestamp() if build.heartbeat else None
    return {
        "id": str(build.uuid),
        "phase": build.phase,
        "started": quay_date(build.started),
        "display_name": build.display_name,
        "status": {"heartbeat": heartbeat} if heartbeat else {},
        "subdirectory": "/" + build.context,
        "dockerfile_path": "/" + build.dockerfile_path,
        "context": "/" + build.context,
        "tags": build.tags,
        "manual_user": build.performer.username if build.performer and not build.trigger_id else None,
        "is_writer": can_write,
        "trigger": _trigger_view(build, role == "admin"),
        "trigger_metadata": build.trigger_metadata or None,
        "resource_key": build.source.get("resource_key"),
        "pull_robot": _user_view(build.pull_robot),
        "repository": {"namespace": repository.namespace.name, "name": repository.name},
        "error": build.error or None,
        "archive_url": build.source.get("url") if build.source.get("kind") == "url" and can_write else None,
        "build_args": build.build_args if can_write else {},
        "phase_times": build.phase_times,
        "finished": quay_date(build.finished) if build.finished else None,
    }


def _readable(request: Request, repository: str) -> tuple[Repository, str]:
    access = repository_get_readable(user=request_user(request), full_name=repository)
    return access.repository, access.role


class BuildListView(APIView):
    required_scopes = {"GET": ["repo:read"], "POST": ["repo:write"]}

    @extend_schema(
        operation_id="getRepoBuilds",
        description="The repository's builds, newest first (readers).",
        parameters=[
            OpenApiParameter("limit", int, description="At most this many (5)"),
            OpenApiParameter("since", int, description="Only builds started since this unix time"),
        ],
        responses={200: OpenApiResponse(description="{'builds': [...]}"), **ERROR_RESPONSES},
    )
    def get(self, request: Request, repository: str) -> Response:
        found, role = _readable(request, repository)
        try:
            limit = min(max(int(request.query_params.get("limit", 5)), 1), 100)
            since_raw = request.query_params.get("since")
            since = datetime.fromtimestamp(int(since_raw), UTC) if since_raw else None
        except (ValueError, OverflowError, OSError):
            raise ValidationError("limit and since are whole numbers") from None
        builds = build_list(repository=found, limit=limit, since=since)
        return Response({"builds": [build_view(build, role) for build in builds]})

    @extend_schema(
        operation_id="requestRepoBuild",
        description=(
            "Build the uploaded context (file_id, from POST /api/v1/filedrop/) or the tarball at "
            "archive_url, and push it to docker_tags (writers)."
        ),
        request=BuildRequestInput,
        responses={
            201: OpenApiResponse(description="The build"),
            429: ERROR_RESPONSES[400],
            **ERROR_RESPONSES,
        },
    )
    def post(self, request: Request, repository: str) -> Response:
        found, role = _readable(request, repository)
        actor = request_actor(request)
        data = BuildRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        context, dockerfile_path = data.context_and_dockerfile()
        values = data.validated_data
        robot_name = values.get("pull_robot")
        source = (
            {"kind": "archive", "resource_key": values["file_id"]}
            if values.get("file_id")
            else {"kind": "url", "url": values["archive_url"]}
        )
        build = build_request_create(
            repository=found,
            actor=actor,
            source=source,
            dockerfile_path=dockerfile_path,
            context=context,
            build_args=values.get("build_args"),
            tags=values.get("docker_tags"),
            pull_robot=pull_robot_get(actor=actor, username=robot_name) if robot_name else None,
            registry_host=service_host(request),
        )
        location = reverse("api-repository-build-status", args=[repository, str(build.uuid)])
        return Response(build_view(build, role), status=201, headers={"Location": location})


class BuildView(APIView):
    required_scopes = {"GET": ["repo:read"], "DELETE": ["repo:write"]}

    @extend_schema(operation_id="getRepoBuild", description="One build (readers).", responses=BUILD_RESPONSES)
    def get(self, request: Request, repository: str, build_uuid: str) -> Response:
        found, role = _readable(request, repository)
        return Response(build_view(build_get(repository=found, build_uuid=build_uuid), role))

    @extend_schema(
        operation_id="cancelRepoBuild",
        description="Cancel a build not ended: at once when waiting, else its builder is stopped (writers).",
        responses={201: OpenApiResponse(description="Okay"), **ERROR_RESPONSES},
    )
    def delete(self, request: Request, repository: str, build_uuid: str) -> Response:
        found, _ = _readable(request, repository)
        build_cancel(build=build_get(repository=found, build_uuid=build_uuid), actor=request_actor(request))
        return Response("Okay", status=201)


class BuildStatusView(APIView):
    required_scopes = ["repo:read"]

    @extend_schema(
        operation_id="getRepoBuildStatus",
        description="A build's status (readers).",
        responses=BUILD_RESPONSES,
    )
    def get(self, request: Request, repository: str, build_uuid: str) -> Response:
        found, role = _readable(request, repository)
        return Response(build_view(build_get(repository=found, build_uuid=build_uuid), role))


def log_entry_view(entry: dict) -> dict:
    """Quay's log entry: message, type (absent for plain output) and data with the time."""
    view: dict = {"message": entry["message"], "data": {"datetime": entry["time"], "phase": entry["phase"]}}
    if entry["kind"] != "text":
        view["type"] = entry["kind"]
    view["index"] = entry["index"]
    return view


class BuildLogsView(APIView):
    required_scopes = ["repo:read"]

    @extend_schema(
        operation_id="getRepoBuildLogs",
        description="A build's log lines from index start, live or archived (readers).",
        parameters=[OpenApiParameter("start", int, description="The first line's index (0)")],
        responses={200: OpenApiResponse(description="{'start', 'total', 'logs': [...]}"), **ERROR_RESPONSES},
    )
    def get(self, request: Request, repository: str, build_uuid: str) -> Response:
        found, _ = _readable(request, repository)
        try:
            start = max(int(request.query_params.get("start", 0)), 0)
        except ValueError:
            raise ValidationError("start is a whole number") from None
        total, entries = build_logs_page(
            build=build_get(repository=found, build_uuid=build_uuid), start=start
        )
        return Response(
            {"start": start, "total": total, "logs": [log_entry_view(entry) for entry in entries]}
        )


class FileDropView(APIView):
    permission_classes = [IsAuthenticated]
    required_scopes = ["repo:write"]

    @extend_schema(
        operation_id="getFiledropUrl",
        description="A URL to PUT one build context to (a tarball or a lone Dockerfile), and its file_id.",
        request=FileDropInput,
        responses={200: OpenApiResponse(description="{'url', 'file_id'}"), **ERROR_RESPONSES},
    )
    def post(self, request: Request) -> Response:
        data = FileDropInput(data=request.data)
        data.is_valid(raise_exception=True)
        drop = filedrop_create(actor=request_actor(request), mime_type=data.validated_data["mimeType"])
        return Response(
            {"url": request.build_absolute_uri(filedrop_upload_path(drop)), "file_id": str(drop.file_id)}
        )
