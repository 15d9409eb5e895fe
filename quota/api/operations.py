"""What each quota endpoint does once its view has found the namespace and checked the caller:
shared by the organization, user and superuser paths, which differ only in those two steps."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from orgs.models import Namespace
from orgs.request_context import request_actor
from quota.api.bodies import quota_body, quota_list_body
from quota.api.serializers import (
    QuotaCreateInput,
    QuotaLimitCreateInput,
    QuotaLimitOutput,
    QuotaLimitUpdateInput,
    QuotaUpdateInput,
)
from quota.selectors import namespace_usage, quota_limit_list
from quota.services import (
    limit_parse,
    quota_create,
    quota_delete,
    quota_get,
    quota_limit_create,
    quota_limit_delete,
    quota_limit_get,
    quota_limit_update,
    quota_update,
)


def _quota_response(namespace: Namespace) -> Response:
    return Response(quota_body(namespace_usage(namespace_id=namespace.pk)))


def quota_list(namespace: Namespace, *, own_only: bool = False) -> Response:
    """``own_only``: without the registry's default in place of a missing quota (Quay's user
    and superuser lists; its organization list shows the default)."""
    usage = namespace_usage(namespace_id=namespace.pk)
    if own_only and usage.quota_id is None:
        return Response([])
    return Response(quota_list_body(usage))


def _limit_bytes_of(validated: dict) -> object:
    """``limit`` (the superuser paths' human-readable form) wins over ``limit_bytes``, as Quay."""
    return limit_parse(validated["limit"]) if "limit" in validated else validated["limit_bytes"]


def quota_add(
    request: Request, namespace: Namespace, *, body: type[Serializer] = QuotaCreateInput
) -> Response:
    data = body(data=request.data)
    data.is_valid(raise_exception=True)
    limit_bytes = _limit_bytes_of(data.validated_data)
    quota_create(namespace=namespace, limit_bytes=limit_bytes, actor=request_actor(request))
    return Response("Created", status=201)


def quota_read(namespace: Namespace, quota_id: str) -> Response:
    quota_get(namespace=namespace, quota_id=quota_id)
    return _quota_response(namespace)


def quota_change(
    request: Request, namespace: Namespace, quota_id: str, *, body: type[Serializer] = QuotaUpdateInput
) -> Response:
    quota = quota_get(namespace=namespace, quota_id=quota_id)
    data = body(data=request.data)
    data.is_valid(raise_exception=True)
    if data.validated_data:
        limit_bytes = _limit_bytes_of(data.validated_data)
        quota_update(quota=quota, limit_bytes=limit_bytes, actor=request_actor(request))
    return _quota_response(namespace)


def quota_remove(request: Request, namespace: Namespace, quota_id: str) -> Response:
    quota_delete(quota=quota_get(namespace=namespace, quota_id=quota_id), actor=request_actor(request))
    return Response(status=204)


def limit_list(namespace: Namespace, quota_id: str) -> Response:
    quota = quota_get(namespace=namespace, quota_id=quota_id)
    return Response(QuotaLimitOutput(quota_limit_list(quota=quota), many=True).data)


def limit_add(request: Request, namespace: Namespace, quota_id: str) -> Response:
    quota = quota_get(namespace=namespace, quota_id=quota_id)
    data = QuotaLimitCreateInput(data=request.data)
    data.is_valid(raise_exception=True)
    quota_limit_create(
        quota=quota,
        kind=data.validated_data["type"],
        threshold_percent=data.validated_data["threshold_percent"],
        actor=request_actor(request),
    )
    return Response("Created", status=201)


def limit_read(namespace: Namespace, quota_id: str, limit_id: str) -> Response:
    quota = quota_get(namespace=namespace, quota_id=quota_id)
    return Response(QuotaLimitOutput(quota_limit_get(quota=quota, limit_id=limit_id)).data)


def limit_change(request: Request, namespace: Namespace, quota_id: str, limit_id: str) -> Response:
    """Answers with the whole quota, as Quay."""
    rule = quota_limit_get(quota=quota_get(namespace=namespace, quota_id=quota_id), limit_id=limit_id)
    data = QuotaLimitUpdateInput(data=request.data)
    data.is_valid(raise_exception=True)
    quota_limit_update(
        rule=rule,
        kind=data.validated_data.get("type"),
        threshold_percent=data.validated_data.get("threshold_percent"),
        actor=request_actor(request),
    )
    return _quota_response(namespace)


def limit_remove(request: Request, namespace: Namespace, quota_id: str, limit_id: str) -> Response:
    rule = quota_limit_get(quota=quota_get(namespace=namespace, quota_id=quota_id), limit_id=limit_id)
    quota_limit_delete(rule=rule, actor=request_actor(request))
    return Response(status=204)
