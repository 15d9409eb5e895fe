"""Audit logs of the caller and of organizations on Quay's paths, with the shapes repository logs share.

Quay's window: ``starttime`` and ``endtime`` are MM/DD/YYYY days in UTC, the end day included.
As in Quay, a missing or unreadable day falls back to the default, one day ago up to now (the
end always gains a day), and an end before the start is refused.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orgs.api.fields import AvatarOutput, quay_date
from orgs.avatars import user_avatar
from orgs.errors import NotPermitted
from orgs.models import AuditLog, Namespace, User
from orgs.names import ROBOT_SEPARATOR
from orgs.request_context import request_actor
from orgs.selectors.audit import audit_log_counts_per_day, audit_log_rows
from orgs.selectors.identity import organization_get_for_member
from orgs.services.authorization import require_namespace_admin
from quaysite.api_paging import page_slice
from quaysite.api_schema import ERROR_RESPONSES

LOGS_PER_PAGE = 20
DAY_FORMAT = "%m/%d/%Y"


class LogQuery(serializers.Serializer):
    starttime = serializers.CharField(required=False, help_text='Earliest day, "%m/%d/%Y" in UTC')
    endtime = serializers.CharField(required=False, help_text='Latest day, "%m/%d/%Y" in UTC, included')
    next_page = serializers.CharField(required=False, help_text="The token of the page to return")


class AggregateLogQuery(LogQuery):
    next_page = None


class PerformerLogQuery(LogQuery):
    performer = serializers.CharField(required=False, help_text="Only what this user or robot did")


class PerformerAggregateLogQuery(PerformerLogQuery):
    next_page = None


class LogPerformerOutput(serializers.Serializer):
    kind = serializers.CharField()
    name = serializers.CharField()
    is_robot = serializers.BooleanField()
    avatar = AvatarOutput()


class LogOutput(serializers.Serializer):
    kind = serializers.CharField()
    metadata = serializers.DictField()
    ip = serializers.CharField(allow_null=True)
    datetime = serializers.CharField(help_text="RFC 2822")
    performer = LogPerformerOutput(required=False)


class LogListOutput(serializers.Serializer):
    start_time = serializers.CharField()
    end_time = serializers.CharField()
    logs = LogOutput(many=True)
    next_page = serializers.CharField(required=False)


class AggregatedLogOutput(serializers.Serializer):
    kind = serializers.CharField()
    count = serializers.IntegerField()
    datetime = serializers.CharField(help_text="The day, RFC 2822")


class AggregatedLogListOutput(serializers.Serializer):
    aggregated = AggregatedLogOutput(many=True)


def _day(value: str | None) -> datetime | None:
    try:
        return datetime.strptime(value or "", DAY_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def log_window(request: Request, query_class: type[LogQuery] = LogQuery) -> tuple[datetime, datetime, dict]:
    """[start, end) from the query, as Quay reads it."""
    query = query_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    args = query.validated_data
    now = timezone.now()
    start = _day(args.get("starttime")) or now - timedelta(days=1)
    try:
        end = (_day(args.get("endtime")) or now) + timedelta(days=1)
    except OverflowError:
        # 12/31/9999 has no next day in the calendar; no log is that late anyway.
        end = datetime(9999, 12, 31, tzinfo=UTC)
    if end < start:
        raise ValidationError("the end of the window lies before its start")
    return start, end, args


def _log_view(log: AuditLog) -> dict:
    view = {
        "kind": log.kind,
        "metadata": log.metadata,
        "ip": log.ip,
        "datetime": quay_date(log.created),
    }
    if log.performer_name:
        is_robot = ROBOT_SEPARATOR in log.performer_name
        view["performer"] = {
            "kind": "user",
            "name": log.performer_name,
            "is_robot": is_robot,
            "avatar": user_avatar(log.performer_name),
        }
    return view


def log_page_response(request: Request, query_class: type[LogQuery] = LogQuery, **scope: object) -> Response:
    start, end, args = log_window(request, query_class)
    rows = audit_log_rows(start=start, end=end, performer_name=args.get("performer"), **scope)
    logs, next_page = page_slice(rows, token=args.get("next_page"), size=LOGS_PER_PAGE)
    body = {
        "start_time": quay_date(start),
        "end_time": quay_date(end),
        "logs": [_log_view(log) for log in logs],
    }
    if next_page:
        body["next_page"] = next_page
    return Response(body)


def log_aggregate_response(
    request: Request, query_class: type[LogQuery] = AggregateLogQuery, **scope: object
) -> Response:
    start, end, args = log_window(request, query_class)
    counts = audit_log_counts_per_day(start=start, end=end, performer_name=args.get("performer"), **scope)
    aggregated = [
        {
            "kind": kind,
            "count": count,
            "datetime": quay_date(datetime(day.year, day.month, day.day, tzinfo=UTC)),
        }
        for day, kind, count in counts
    ]
    return Response({"aggregated": aggregated})


def _own_namespace(user: User) -> Namespace:
    if user.namespace is None:
        raise NotPermitted(f"{user} has no namespace of its own")
    return user.namespace


class UserLogsView(APIView):
    required_scopes = ["user:admin"]

    @extend_schema(
        operation_id="listUserLogs",
        description="List the audit log of the caller's namespace, newest first; pages with next_page.",
        parameters=[PerformerLogQuery],
        responses={200: LogListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        namespace = _own_namespace(request_actor(request))
        return log_page_response(request, PerformerLogQuery, namespace=namespace)


class UserAggregateLogsView(APIView):
    required_scopes = ["user:admin"]

    @extend_schema(
        operation_id="getAggregateUserLogs",
        description="Count the audit log of the caller's namespace in the window, per day and kind.",
        parameters=[PerformerAggregateLogQuery],
        responses={200: AggregatedLogListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        namespace = _own_namespace(request_actor(request))
        return log_aggregate_response(request, PerformerAggregateLogQuery, namespace=namespace)


class OrganizationLogsView(APIView):
    required_scopes = ["org:admin"]

    @extend_schema(
        operation_id="listOrgLogs",
        description=(
            "List the organization's audit log in the window, its repositories included, newest "
            "first; pages with next_page (organization admin)."
        ),
        parameters=[PerformerLogQuery],
        responses={200: LogListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, orgname: str) -> Response:
        organization = organization_get_for_member(user=request_actor(request), name=orgname)
        require_namespace_admin(actor=request_actor(request), namespace=organization.namespace)
        return log_page_response(request, PerformerLogQuery, namespace=organization.namespace)


class OrganizationAggregateLogsView(APIView):
    required_scopes = ["org:admin"]

    @extend_schema(
        operation_id="getAggregateOrgLogs",
        description="Count the organization's audit log in the window, per day and kind (org admin).",
        parameters=[PerformerAggregateLogQuery],
        responses={200: AggregatedLogListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, orgname: str) -> Response:
        organization = organization_get_for_member(user=request_actor(request), name=orgname)
        require_namespace_admin(actor=request_actor(request), namespace=organization.namespace)
        return log_aggregate_response(request, PerformerAggregateLogQuery, namespace=organization.namespace)
