"""Tag changes on Quay's paths: create or move, expiration, delete, restore from the time
machine and permanent expiry. Thin over registry.services.tags; the services check the write
role and the repository's state, and audit.

An unreadable repository answers 404 as a missing one does; a reader gets 403.
"""

from __future__ import annotations

from datetime import UTC, datetime

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orgs.request_context import request_actor, request_user
from quaysite.api_schema import ERROR_RESPONSES
from registry.api.serializers import TagChangeInput, TagDeleteQuery, TagExpireInput, TagRestoreInput
from registry.selectors.repositories import repository_get_readable
from registry.services.tags import tag_change, tag_delete, tag_expire_permanently, tag_restore


class RepositoryTagView(APIView):
    required_scopes = ["repo:write"]

    @extend_schema(
        operation_id="changeTag",
        description=(
            "Create the tag or move it to manifest_digest, and/or set its expiration (unix "
            "seconds, null to clear) (write role)."
        ),
        request=TagChangeInput,
        responses={201: OpenApiResponse(description="Updated"), **ERROR_RESPONSES},
    )
    def put(self, request: Request, repository: str, tag: str) -> Response:
        found = repository_get_readable(user=request_user(request), full_name=repository).repository
        data = TagChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        args = data.validated_data
        expiration = args.get("expiration")
        tag_change(
            actor=request_actor(request),
            repository=found,
            name=tag,
            manifest_digest=args.get("manifest_digest"),
            expiration_given="expiration" in args,
            expiration=datetime.fromtimestamp(expiration, UTC) if expiration is not None else None,
        )
        return Response("Updated", status=201)

    @extend_schema(
        operation_id="deleteFullTag",
        description=(
            "Delete the tag: it stays restorable for the namespace's time machine window, unless "
            "skipRecoveryPeriod (with PERMANENTLY_DELETE_TAGS) (write role)."
        ),
        parameters=[TagDeleteQuery],
        responses={204: OpenApiResponse(description="Deleted"), **ERROR_RESPONSES},
    )
    def delete(self, request: Request, repository: str, tag: str) -> Response:
        found = repository_get_readable(user=request_user(request), full_name=repository).repository
        query = TagDeleteQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        tag_delete(
            actor=request_actor(request),
            repository=found,
            name=tag,
            skip_recovery=query.validated_data["skipRecoveryPeriod"],
        )
        return Response(status=204)


class RestoreTagView(APIView):
    required_scopes = ["repo:write"]

    @extend_schema(
        operation_id="restoreTag",
        description=(
            "Point the tag back at a manifest it pointed to within the namespace's time machine "
            "window (write role)."
        ),
        request=TagRestoreInput,
        responses={200: OpenApiResponse(description="Restored"), **ERROR_RESPONSES},
    )
    def post(self, request: Request, repository: str, tag: str) -> Response:
        found = repository_get_readable(user=request_user(request), full_name=repository).repository
        data = TagRestoreInput(data=request.data)
        data.is_valid(raise_exception=True)
        tag_restore(
            actor=request_actor(request),
            repository=found,
            name=tag,
            manifest_digest=data.validated_data["manifest_digest"],
        )
        return Response({})


class ExpireTagView(APIView):
    required_scopes = ["repo:write"]

    @extend_schema(
        operation_id="removeTagFromTimemachine",
        description=(
            "Take the tag out of the time machine at once, so garbage collection may delete it: "
            "the live tag (is_alive) or its ended rows that pointed to manifest_digest. Needs "
            "PERMANENTLY_DELETE_TAGS (write role)."
        ),
        request=TagExpireInput,
        responses={200: OpenApiResponse(description="Expired"), **ERROR_RESPONSES},
    )
    def post(self, request: Request, repository: str, tag: str) -> Response:
        found = repository_get_readable(user=request_user(request), full_name=repository).repository
        data = TagExpireInput(data=request.data)
        data.is_valid(raise_exception=True)
        tag_expire_permanently(
            actor=request_actor(request),
            repository=found,
            name=tag,
            manifest_digest=data.validated_data.get("manifest_digest"),
            alive=data.validated_data["is_alive"],
        )
        return Response("", status=200)
