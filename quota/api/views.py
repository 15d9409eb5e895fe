"""Quay's quota endpoints of an organization and of the signed-in user. Members of the
organization (and superusers) read its quota; only superusers change it; a user reads their own."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from quaysite.api_schema import ERROR_RESPONSES
from quota.api import operations
from quota.api.access import (
    QuotaFeatureOn,
    organization_namespace_for_reader,
    organization_namespace_for_writer,
    own_namespace,
)
from quota.api.serializers import (
    QuotaCreateInput,
    QuotaLimitCreateInput,
    QuotaLimitOutput,
    QuotaLimitUpdateInput,
    QuotaOutput,
    QuotaUpdateInput,
)

CREATED = {201: OpenApiResponse(description='"Created"'), **ERROR_RESPONSES}
DELETED = {204: OpenApiResponse(description="Deleted"), **ERROR_RESPONSES}
READ_SCOPES = ["user:read"]
SCOPES = {"GET": READ_SCOPES, "POST": ["super:user"], "PUT": ["super:user"], "DELETE": ["super:user"]}


class _QuotaView(APIView):
    permission_classes = [IsAuthenticated, QuotaFeatureOn]
    required_scopes = SCOPES


class OrganizationQuotaListView(_QuotaView):
    @extend_schema(
        operation_id="listOrganizationQuota",
        description="The organization's quota, or the registry's default when it has none (members).",
        responses={200: QuotaOutput(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request, orgname: str) -> Response:
        return operations.quota_list(organization_namespace_for_reader(user=request.user, name=orgname))

    @extend_schema(
        operation_id="createOrganizationQuota",
        description="Give the organization a quota (superusers); one per organization.",
        request=QuotaCreateInput,
        responses=CREATED,
    )
    def post(self, request: Request, orgname: str) -> Response:
        namespace = organization_namespace_for_writer(user=request.user, name=orgname)
        return operations.quota_add(request, namespace)


class OrganizationQuotaView(_QuotaView):
    @extend_schema(
        operation_id="getOrganizationQuota",
        description="One quota of the organization (members).",
        responses={200: QuotaOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, orgname: str, quota_id: str) -> Response:
        namespace = organization_namespace_for_reader(user=request.user, name=orgname)
        return operations.quota_read(namespace, quota_id)

    @extend_schema(
        operation_id="changeOrganizationQuota",
        description="Change the quota's limit_bytes (superusers).",
        request=QuotaUpdateInput,
        responses={200: QuotaOutput, **ERROR_RESPONSES},
    )
    def put(self, request: Request, orgname: str, quota_id: str) -> Response:
        namespace = organization_namespace_for_writer(user=request.user, name=orgname)
        return operations.quota_change(request, namespace, quota_id)

    @extend_schema(
        operation_id="deleteOrganizationQuota",
        description="Delete the quota and its limits (superusers).",
        responses=DELETED,
    )
    def delete(self, request: Request, orgname: str, quota_id: str) -> Response:
        namespace = organization_namespace_for_writer(user=request.user, name=orgname)
        return operations.quota_remove(request, namespace, quota_id)


class OrganizationQuotaLimitListView(_QuotaView):
    @extend_schema(
        operation_id="listOrganizationQuotaLimit",
        description="The quota's Warning and Reject limits, by threshold (members).",
        responses={200: QuotaLimitOutput(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request, orgname: str, quota_id: str) -> Response:
        namespace = organization_namespace_for_reader(user=request.user, name=orgname)
        return operations.limit_list(namespace, quota_id)

    @extend_schema(
        operation_id="createOrganizationQuotaLimit",
        description="Add a Warning or Reject limit at a threshold_percent of 1-100 (superusers).",
        request=QuotaLimitCreateInput,
        responses=CREATED,
    )
    def post(self, request: Request, orgname: str, quota_id: str) -> Response:
        namespace = organization_namespace_for_writer(user=request.user, name=orgname)
        return operations.limit_add(request, namespace, quota_id)


class OrganizationQuotaLimitView(_QuotaView):
    @extend_schema(
        operation_id="getOrganizationQuotaLimit",
        description="One limit of the quota (members).",
        responses={200: QuotaLimitOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, orgname: str, quota_id: str, limit_id: str) -> Response:
        namespace = organization_namespace_for_reader(user=request.user, name=orgname)
        return operations.limit_read(namespace, quota_id, limit_id)

    @extend_schema(
        operation_id="changeOrganizationQuotaLimit",
        description="Change the limit's type or threshold_percent (superusers); answers with the quota.",
        request=QuotaLimitUpdateInput,
        responses={200: QuotaOutput, **ERROR_RESPONSES},
    )
    def put(self, request: Request, orgname: str, quota_id: str, limit_id: str) -> Response:
        namespace = organization_namespace_for_writer(user=request.user, name=orgname)
        return operations.limit_change(request, namespace, quota_id, limit_id)

    @extend_schema(
        operation_id="deleteOrganizationQuotaLimit",
        description="Delete the limit (superusers).",
        responses=DELETED,
    )
    def delete(self, request: Request, orgname: str, quota_id: str, limit_id: str) -> Response:
        namespace = organization_namespace_for_writer(user=request.user, name=orgname)
        return operations.limit_remove(request, namespace, quota_id, limit_id)


class _UserQuotaView(_QuotaView):
    required_scopes = {"GET": READ_SCOPES}


class UserQuotaListView(_UserQuotaView):
    @extend_schema(
        operation_id="listUserQuota",
        description="The signed-in user's quota (only their own namespace's, not the default).",
        responses={200: QuotaOutput(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        return operations.quota_list(own_namespace(request.user), own_only=True)


class UserQuotaView(_UserQuotaView):
    @extend_schema(
        operation_id="getUserQuota",
        description="One quota of the signed-in user.",
        responses={200: QuotaOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, quota_id: str) -> Response:
        return operations.quota_read(own_namespace(request.user), quota_id)


class UserQuotaLimitListView(_UserQuotaView):
    @extend_schema(
        operation_id="listUserQuotaLimit",
        description="The limits of the signed-in user's quota.",
        responses={200: QuotaLimitOutput(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request, quota_id: str) -> Response:
        return operations.limit_list(own_namespace(request.user), quota_id)


class UserQuotaLimitView(_UserQuotaView):
    @extend_schema(
        operation_id="getUserQuotaLimit",
        description="One limit of the signed-in user's quota.",
        responses={200: QuotaLimitOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, quota_id: str, limit_id: str) -> Response:
        return operations.limit_read(own_namespace(request.user), quota_id, limit_id)
