"""Quay's repository search: only what the caller may read, a page at a time."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orgs.api.fields import AvatarOutput
from orgs.avatars import organization_avatar, user_avatar
from orgs.request_context import request_user
from quaysite.api_schema import ERROR_RESPONSES
from registry.models import Repository
from registry.selectors.repositories import repository_search

# Quay's scores: what kind of thing a result is, not how well it matched.
ENTITY_SEARCH_SCORE = 1
REPOSITORY_SEARCH_SCORE = 4
RESULTS_PER_PAGE = 10
# Quay stops at ten pages: a search is for finding, not for walking the whole registry.
PAGES_MAX = 10


class RepositorySearchQuery(serializers.Serializer):
    query = serializers.CharField(required=False, allow_blank=True, default="", help_text="The search text")
    page = serializers.IntegerField(
        required=False, default=1, min_value=-(10**9), max_value=10**9, help_text="The page, from 1"
    )


class SearchNamespaceOutput(serializers.Serializer):
    title = serializers.CharField()
    kind = serializers.CharField()
    name = serializers.CharField()
    href = serializers.CharField()
    avatar = AvatarOutput()
    score = serializers.IntegerField()


class RepositorySearchResultOutput(serializers.Serializer):
    kind = serializers.CharField()
    title = serializers.CharField()
    namespace = SearchNamespaceOutput()
    name = serializers.CharField()
    description = serializers.CharField()
    is_public = serializers.BooleanField()
    score = serializers.IntegerField()
    href = serializers.CharField()


class RepositorySearchOutput(serializers.Serializer):
    results = RepositorySearchResultOutput(many=True)
    has_additional = serializers.BooleanField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    start_index = serializers.IntegerField()


def _result_view(repository: Repository) -> dict:
    namespace = repository.namespace
    is_organization = namespace.kind == "organization"
    return {
        "kind": "repository",
        "title": "repo",
        "namespace": {
            "title": "org" if is_organization else "user",
            "kind": "organization" if is_organization else "user",
            "name": namespace.name,
            "href": f"/{'organization' if is_organization else 'user'}/{namespace.name}",
            "avatar": organization_avatar(namespace.name) if is_organization else user_avatar(namespace.name),
            "score": ENTITY_SEARCH_SCORE,
        },
        "name": repository.name,
        "description": repository.description,
        "is_public": repository.is_public,
        "score": REPOSITORY_SEARCH_SCORE,
        "href": f"/repository/{namespace.name}/{repository.name}",
    }


class RepositorySearchView(APIView):
    required_scopes = ["repo:read"]
    # Anonymous callers search the public repositories.
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="conductRepoSearch",
        description=(
            "Find the repositories the caller may read (public ones included) whose name or "
            "namespace contains the query; pages with page and has_additional, ten pages at most."
        ),
        parameters=[RepositorySearchQuery],
        responses={200: RepositorySearchOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        query = RepositorySearchQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        text = query.validated_data["query"].strip()
        page = min(max(1, query.validated_data["page"]), PAGES_MAX)
        offset = (page - 1) * RESULTS_PER_PAGE
        # One row beyond the page says whether another page follows.
        found = repository_search(
            user=request_user(request), text=text, offset=offset, limit=RESULTS_PER_PAGE + 1
        )
        return Response(
            {
                "results": [_result_view(repository) for repository in found[:RESULTS_PER_PAGE]],
                "has_additional": len(found) > RESULTS_PER_PAGE,
                "page": page,
                "page_size": RESULTS_PER_PAGE,
                "start_index": offset,
            }
        )
