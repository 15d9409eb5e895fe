"""A repository's audit log on Quay's paths, in the shapes orgs.api.logs gives every log (admin role)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orgs.api.logs import (
    AggregatedLogListOutput,
    AggregateLogQuery,
    LogListOutput,
    LogQuery,
    log_aggregate_response,
    log_page_response,
)
from orgs.request_context import request_actor, request_user
from quaysite.api_schema import ERROR_RESPONSES
from registry.selectors.repositories import repository_get_readable
from registry.services.authorization import require_repository_admin


class RepositoryLogsView(APIView):
    required_scopes = ["repo:admin"]

    @extend_schema(
        operation_id="listRepoLogs",
        description="List the repository's audit log in the window, newest first; pages with next_page.",
        parameters=[LogQuery],
        responses={200: LogListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, repository: str) -> Response:
        found = repository_get_readable(user=request_user(request), full_name=repository).repository
        require_repository_admin(actor=request_actor(request), repository=found)
        return log_page_response(request, repository=found)


class RepositoryAggregateLogsView(APIView):
    required_scopes = ["repo:admin"]

    @extend_schema(
        operation_id="getAggregateRepoLogs",
        description="Count the repository's audit log in the window, per day and kind.",
        parameters=[AggregateLogQuery],
        responses={200: AggregatedLogListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, repository: str) -> Response:
        found = repository_get_readable(user=request_user(request), full_name=repository).repository
        require_repository_admin(actor=request_actor(request), repository=found)
        return log_aggregate_response(request, repository=found)
