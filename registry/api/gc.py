"""GET and POST /api/v1/superuser/gc: garbage collection reports, and a run on demand (superusers)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orgs.errors import NotFound
from orgs.request_context import request_actor
from orgs.services.authorization import require_superuser
from quaysite.api_schema import ERROR_RESPONSES
from registry.errors import NameInvalid, NameUnknown
from registry.models import GCRun, Repository
from registry.selectors.gc import gc_run_list
from registry.selectors.repositories import repository_get
from registry.services.gc import REPORTED_COUNTS, gc_enqueue

GC_RUNS_LISTED_MAX = 100


def _repository(full_name: str) -> Repository:
    try:
        return repository_get(full_name=full_name)
    except (NameUnknown, NameInvalid):
        raise NotFound(f"no repository {full_name!r}") from None


class GCRunListQuery(serializers.Serializer):
    limit = serializers.IntegerField(default=20, min_value=1, max_value=GC_RUNS_LISTED_MAX)


class GCRunOutput(serializers.ModelSerializer):
    repository = serializers.CharField(source="repository_name")

    class Meta:
        model = GCRun
        fields = ["id", "started", "finished", "dry_run", "repository", *REPORTED_COUNTS, "would_delete"]


class GCRunListOutput(serializers.Serializer):
    runs = GCRunOutput(many=True)


class GCRunInput(serializers.Serializer):
    dry_run = serializers.BooleanField(default=False, help_text="Only list what would be deleted")
    repository = serializers.CharField(required=False, help_text="namespace/name: only this repository")


class GCView(APIView):
    required_scopes = ["super:user"]

    @extend_schema(
        operation_id="listGarbageCollectionRuns",
        description="Recent garbage collection runs, newest first: what each deleted, bytes reclaimed.",
        parameters=[GCRunListQuery],
        responses={200: GCRunListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        require_superuser(actor=request_actor(request))
        query = GCRunListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        runs = gc_run_list(limit=query.validated_data["limit"])
        return Response({"runs": GCRunOutput(runs, many=True).data})

    @extend_schema(
        operation_id="runGarbageCollection",
        description="Queue a garbage collection run (or a dry run); its report appears in the list.",
        request=GCRunInput,
        responses={202: OpenApiResponse(description="Queued"), **ERROR_RESPONSES},
    )
    def post(self, request: Request) -> Response:
        require_superuser(actor=request_actor(request))
        data = GCRunInput(data=request.data)
        data.is_valid(raise_exception=True)
        name = data.validated_data.get("repository")
        repository = _repository(name) if name else None
        gc_enqueue(repository=repository, dry_run=data.validated_data["dry_run"])
        return Response({"queued": True}, status=202)
