"""Quay's superuser quota paths, for a user's or an organization's namespace alike, and the
registry's size. Superusers only; anyone else gets 403."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from quaysite.api_schema import ERROR_RESPONSES
from quota.api import operations
from quota.api.access import IsSuperuser, QuotaFeatureOn, namespace_by_name
from quota.api.serializers import (
    QuotaLimitCreateInput,
    QuotaLimitOutput,
    QuotaLimitUpdateInput,
    QuotaOutput,
    RegistrySizeOutput,
    SuperuserQuotaCreateInput,
    SuperuserQuotaUpdateInput,
)
from quota.api.views import CREATED, DELETED
from quota.registry_size import registry_size_queue, registry_size_state
from quota.selectors import registry_usage


class _SuperuserQuotaView(APIView):
    required_scopes = ["super:user"]
    permission_classes = [IsAuthenticated, QuotaFeatureOn, IsSuperuser]
    # Method to operation id, "{}" the prefix's kind: Quay names each path's operations apart.
    operation_ids: dict[str, str] = {}


def superuser_view_for(view: type[_SuperuserQuotaView], kind: str) -> type[_SuperuserQuotaView]:
    """The view on one prefix (``kind``: "User" or "Organization") under Quay's operation ids."""
    named = type(view.__name__.replace("Superuser", f"Superuser{kind}"), (view,), {})
    schemas = {
        method: extend_schema(operation_id=name.format(kind)) for method, name in view.operation_ids.items()
    }
    return extend_schema_view(**schemas)(named)


class SuperuserQuotaListView(_SuperuserQuotaView):
    operation_ids = {"get": "list{}QuotaSuperUser", "post": "create{}QuotaSuperUser"}

    @extend_schema(
        description="The namespace's own quota (a user's or an organization's).",
        responses={200: QuotaOutput(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request, namespace: str) -> Response:
        return operations.quota_list(namespace_by_name(namespace), own_only=True)

    @extend_schema(
        description="Give the namespace a quota; one per namespace.",
        request=SuperuserQuotaCreateInput,
        responses=CREATED,
    )
    def post(self, request: Request, namespace: str) -> Response:
        return operations.quota_add(request, namespace_by_name(namespace), body=SuperuserQuotaCreateInput)


class SuperuserQuotaView(_SuperuserQuotaView):
    operation_ids = {"put": "change{}QuotaSuperUser", "delete": "delete{}QuotaSuperUser"}

    @extend_schema(
        description="Change the quota's limit_bytes.",
        request=SuperuserQuotaUpdateInput,
        responses={200: QuotaOutput, **ERROR_RESPONSES},
    )
    def put(self, request: Request, namespace: str, quota_id: str) -> Response:
        namespace_found = namespace_by_name(namespace)
        return operations.quota_change(request, namespace_found, quota_id, body=SuperuserQuotaUpdateInput)

    @extend_schema(
        description="Delete the quota and its limits.",
        responses=DELETED,
    )
    def delete(self, request: Request, namespace: str, quota_id: str) -> Response:
        return operations.quota_remove(request, namespace_by_name(namespace), quota_id)


class SuperuserQuotaLimitListView(_SuperuserQuotaView):
    operation_ids = {"get": "list{}QuotaLimitSuperUser", "post": "create{}QuotaLimitSuperUser"}

    @extend_schema(
        description="The quota's limits, by threshold.",
        responses={200: QuotaLimitOutput(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request, namespace: str, quota_id: str) -> Response:
        return operations.limit_list(namespace_by_name(namespace), quota_id)

    @extend_schema(
        description="Add a Warning or Reject limit at a threshold_percent of 1-100.",
        request=QuotaLimitCreateInput,
        responses=CREATED,
    )
    def post(self, request: Request, namespace: str, quota_id: str) -> Response:
        return operations.limit_add(request, namespace_by_name(namespace), quota_id)


class SuperuserQuotaLimitView(_SuperuserQuotaView):
    operation_ids = {
        "get": "get{}QuotaLimitSuperUser",
        "put": "change{}QuotaLimitSuperUser",
        "delete": "delete{}QuotaLimitSuperUser",
    }

    @extend_schema(
        description="One limit of the quota.",
        responses={200: QuotaLimitOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, namespace: str, quota_id: str, limit_id: str) -> Response:
        return operations.limit_read(namespace_by_name(namespace), quota_id, limit_id)

    @extend_schema(
        description="Change the limit's type or threshold_percent; answers with the quota.",
        request=QuotaLimitUpdateInput,
        responses={200: QuotaOutput, **ERROR_RESPONSES},
    )
    def put(self, request: Request, namespace: str, quota_id: str, limit_id: str) -> Response:
        return operations.limit_change(request, namespace_by_name(namespace), quota_id, limit_id)

    @extend_schema(
        description="Delete the limit.",
        responses=DELETED,
    )
    def delete(self, request: Request, namespace: str, quota_id: str, limit_id: str) -> Response:
        return operations.limit_remove(request, namespace_by_name(namespace), quota_id, limit_id)


class RegistrySizeView(APIView):
    """Quay serves this whether or not quota management is on."""

    required_scopes = ["super:user"]
    permission_classes = [IsAuthenticated, IsSuperuser]

    @extend_schema(
        operation_id="getRegistrySize",
        description=(
            "The registry's stored bytes now (every blob once, plus every manifest) and the state "
            "of the recomputation a POST queues."
        ),
        responses={200: RegistrySizeOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        state = registry_size_state()
        body = {
            "size_bytes": registry_usage().total_bytes,
            "last_ran": int(state.last_ran.timestamp() * 1000) if state.last_ran else None,
            "queued": state.queued,
            "running": state.running,
        }
        return Response(RegistrySizeOutput(body).data)

    @extend_schema(
        operation_id="queueRegistrySizeCalculation",
        description=(
            "Queue a recomputation of every namespace's totals from scratch: 201 when queued, "
            "202 when one is already queued or running."
        ),
        request=None,
        responses={
            201: OpenApiResponse(description="Queued"),
            202: OpenApiResponse(description="Already queued or running"),
            **ERROR_RESPONSES,
        },
    )
    def post(self, request: Request) -> Response:
        return Response(status=201 if registry_size_queue() else 202)
