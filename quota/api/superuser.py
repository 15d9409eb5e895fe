"""Quay's superuser quota paths, for a user's or an organization's namespace alike, and the
registry's size. Superusers only; anyone else gets 403."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from quaysite.api_schema import ERROR_RESPONSES
from quota.api import operations
from quota.api.access import IsSuperuser, QuotaFeatureOn, namespace_by_name
from quota.api.serializers import (
    QuotaCreateInput,
    QuotaLimitCreateInput,
    QuotaLimitOutput,
    QuotaLimitUpdateInput,
    QuotaOutput,
    QuotaUpdateInput,
    RegistrySizeOutput,
)
from quota.api.views import CREATED, DELETED
from quota.registry_size import registry_size_queue, registry_size_state
from quota.selectors import registry_usage


class _SuperuserQuotaView(APIView):
    required_scopes = ["super:user"]
    permission_classes = [IsAuthenticated, QuotaFeatureOn, IsSuperuser]


class SuperuserQuotaListView(_SuperuserQuotaView):
    @extend_schema(
        operation_id="listNamespaceQuotaSuperUser",
        description="The namespace's own quota (a user's or an organization's).",
        responses={200: QuotaOutput(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request, namespace: str) -> Response:
        return operations.quota_list(namespace_by_name(namespace), own_only=True)

    @extend_schema(
        operation_id="createNamespaceQuotaSuperUser",
        description="Give the namespace a quota; one per namespace.",
        request=QuotaCreateInput,
        responses=CREATED,
    )
    def post(self, request: Request, namespace: str) -> Response:
        return operations.quota_add(request, namespace_by_name(namespace))


class SuperuserQuotaView(_SuperuserQuotaView):
    @extend_schema(
        operation_id="changeNamespaceQuotaSuperUser",
        description="Change the quota's limit_bytes.",
        request=QuotaUpdateInput,
        responses={200: QuotaOutput, **ERROR_RESPONSES},
    )
    def put(self, request: Request, namespace: str, quota_id: str) -> Response:
        return operations.quota_change(request, namespace_by_name(namespace), quota_id)

    @extend_schema(
        operation_id="deleteNamespaceQuotaSuperUser",
        description="Delete the quota and its limits.",
        responses=DELETED,
    )
    def delete(self, request: Request, namespace: str, quota_id: str) -> Response:
        return operations.quota_remove(request, namespace_by_name(namespace), quota_id)


class SuperuserQuotaLimitListView(_SuperuserQuotaView):
    @extend_schema(
        operation_id="listNamespaceQuotaLimitSuperUser",
        description="The quota's limits, by threshold.",
        responses={200: QuotaLimitOutput(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request, namespace: str, quota_id: str) -> Response:
        return operations.limit_list(namespace_by_name(namespace), quota_id)

    @extend_schema(
        operation_id="createNamespaceQuotaLimitSuperUser",
        description="Add a Warning or Reject limit at a threshold_percent of 1-100.",
        request=QuotaLimitCreateInput,
        responses=CREATED,
    )
    def post(self, request: Request, namespace: str, quota_id: str) -> Response:
        return operations.limit_add(request, namespace_by_name(namespace), quota_id)


class SuperuserQuotaLimitView(_SuperuserQuotaView):
    @extend_schema(
        operation_id="getNamespaceQuotaLimitSuperUser",
        description="One limit of the quota.",
        responses={200: QuotaLimitOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, namespace: str, quota_id: str, limit_id: str) -> Response:
        return operations.limit_read(namespace_by_name(namespace), quota_id, limit_id)

    @extend_schema(
        operation_id="changeNamespaceQuotaLimitSuperUser",
        description="Change the limit's type or threshold_percent; answers with the quota.",
        request=QuotaLimitUpdateInput,
        responses={200: QuotaOutput, **ERROR_RESPONSES},
    )
    def put(self, request: Request, namespace: str, quota_id: str, limit_id: str) -> Response:
        return operations.limit_change(request, namespace_by_name(namespace), quota_id, limit_id)

    @extend_schema(
        operation_id="deleteNamespaceQuotaLimitSuperUser",
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
