"""A repository's mirror configuration on Quay's paths (its endpoints/api/mirror.py), for the
repository's admins. Thin over mirroring.services; the password is write-only."""

from __future__ import annotations

from datetime import datetime

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from mirroring.api.serializers import DATE_FORMAT, RULE_KIND, MirrorInput, MirrorOutput, RulesInput
from mirroring.models import RepositoryMirror
from mirroring.selectors import mirror_get
from mirroring.services import (
    mirror_create,
    mirror_rules_set,
    mirror_sync_cancel,
    mirror_sync_now,
    mirror_update,
)
from orgs.request_context import request_actor, request_user
from quaysite.api_schema import ERROR_RESPONSES
from registry.models import Repository
from registry.selectors.repositories import repository_get_readable
from registry.services.authorization import require_repository_admin

DONE = {204: OpenApiResponse(description="Done"), **ERROR_RESPONSES}


def _date(value: datetime | None) -> str | None:
    return value.strftime(DATE_FORMAT) if value is not None else None


def mirror_view(mirror: RepositoryMirror) -> dict:
    """Quay's ViewMirrorConfig, never the password, plus ours."""
    syncing = mirror.sync_status == RepositoryMirror.SyncStatus.SYNCING
    return {
        "is_enabled": mirror.is_enabled,
        "mirror_type": "PULL",
        "external_reference": mirror.external_reference,
        "external_registry_username": mirror.username or None,
        "external_registry_config": {
            "verify_tls": mirror.verify_tls,
            "unsigned_images": mirror.unsigned_images,
            "proxy": {key: mirror.proxy.get(key) for key in ("http_proxy", "https_proxy", "no_proxy")},
        },
        "sync_interval": mirror.sync_interval,
        "sync_start_date": _date(mirror.sync_start_date),
        # While syncing, the next run is not known yet (the stored date is the claim's deadline).
        "sync_expiration_date": None if syncing else _date(mirror.sync_expiration_date),
        "sync_retries_remaining": 0,
        "sync_status": mirror.sync_status,
        "root_rule": {"rule_kind": RULE_KIND, "rule_value": mirror.tag_glob_csv.split(",")},
        "robot_username": mirror.robot.username if mirror.robot else None,
        "platforms": mirror.platforms,
        "rollback": mirror.rollback,
        "last_sync": {
            "started": _date(mirror.last_started),
            "finished": _date(mirror.last_finished),
            "tags_synced": mirror.tags_synced,
            "tags_deleted": mirror.tags_deleted,
            "bytes_copied": mirror.bytes_copied,
            "bytes_skipped": mirror.bytes_skipped,
            "errors": mirror.errors,
            "failed_reason": mirror.failed_reason or None,
        },
    }


def _repository_for_admin(request: Request, repository: str) -> Repository:
    found = repository_get_readable(user=request_user(request), full_name=repository).repository
    require_repository_admin(actor=request_actor(request), repository=found)
    return found


class MirrorView(APIView):
    required_scopes = ["repo:admin"]

    @extend_schema(
        operation_id="getRepoMirrorConfig",
        description="The repository's mirror configuration and last sync (repository admins).",
        responses={200: MirrorOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, repository: str) -> Response:
        mirror = mirror_get(repository=_repository_for_admin(request, repository))
        return Response(mirror_view(mirror))

    @extend_schema(
        operation_id="createRepoMirrorConfig",
        description=(
            "Mirror the repository from external_reference (host[:port]/path) by root_rule's tags and "
            "globs every sync_interval seconds from sync_start_date, pushing as robot_username; the "
            "repository goes into MIRROR state (repository admins)."
        ),
        request=MirrorInput,
        responses={201: OpenApiResponse(description="Created"), 409: ERROR_RESPONSES[400], **ERROR_RESPONSES},
    )
    def post(self, request: Request, repository: str) -> Response:
        found = _repository_for_admin(request, repository)
        data = MirrorInput(data=request.data)
        data.is_valid(raise_exception=True)
        arguments = data.service_arguments()
        robot_username = arguments.pop("robot_username", "")
        mirror_create(
            actor=request_actor(request), repository=found, robot_username=robot_username, **arguments
        )
        return Response(status=201)

    @extend_schema(
        operation_id="changeRepoMirrorConfig",
        description="Change the fields given, leave the others (repository admins).",
        request=MirrorInput,
        responses={201: OpenApiResponse(description="Changed"), **ERROR_RESPONSES},
    )
    def put(self, request: Request, repository: str) -> Response:
        mirror = mirror_get(repository=_repository_for_admin(request, repository))
        data = MirrorInput(data=request.data)
        data.is_valid(raise_exception=True)
        mirror_update(actor=request_actor(request), mirror=mirror, **data.service_arguments())
        # Quay answers a change with 201 and no body.
        return Response(status=201)


class MirrorRulesView(APIView):
    required_scopes = ["repo:admin"]

    @extend_schema(
        operation_id="changeRepoMirrorRule",
        description="Replace the mirror's tag rule: tags and shell-style globs (repository admins).",
        request=RulesInput,
        responses={201: OpenApiResponse(description="Changed"), **ERROR_RESPONSES},
    )
    def put(self, request: Request, repository: str) -> Response:
        mirror = mirror_get(repository=_repository_for_admin(request, repository))
        data = RulesInput(data=request.data)
        data.is_valid(raise_exception=True)
        mirror_rules_set(
            actor=request_actor(request), mirror=mirror, tag_globs=data.validated_data["rule_value"]
        )
        return Response(status=201)


class MirrorSyncNowView(APIView):
    required_scopes = ["repo:admin"]

    @extend_schema(
        operation_id="syncNow",
        description="Sync as soon as a worker is free; 404 while a sync runs (repository admins).",
        request=None,
        responses=DONE,
    )
    def post(self, request: Request, repository: str) -> Response:
        mirror = mirror_get(repository=_repository_for_admin(request, repository))
        mirror_sync_now(actor=request_actor(request), mirror=mirror)
        return Response(status=204)


class MirrorSyncCancelView(APIView):
    required_scopes = ["repo:admin"]

    @extend_schema(
        operation_id="syncCancel",
        description=(
            "Stop the running sync at its next tag boundary, or drop a sync-now not yet started; 404 "
            "when neither (repository admins)."
        ),
        request=None,
        responses=DONE,
    )
    def post(self, request: Request, repository: str) -> Response:
        mirror = mirror_get(repository=_repository_for_admin(request, repository))
        mirror_sync_cancel(actor=request_actor(request), mirror=mirror)
        return Response(status=204)
