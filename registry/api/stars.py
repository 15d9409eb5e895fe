"""Starred repositories on Quay's paths: the caller's list, starring and unstarring.

Only a repository the caller reads can be starred (any other answers 404, as a missing one), and
the list drops stars on repositories the caller no longer reads.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orgs.request_context import request_actor, request_user
from quaysite.api_paging import page_slice
from quaysite.api_schema import ERROR_RESPONSES
from registry.selectors.repositories import repository_get_readable, repository_list_starred
from registry.services.stars import repository_star, repository_unstar

STARRED_PER_PAGE = 100


class StarredListQuery(serializers.Serializer):
    next_page = serializers.CharField(required=False, help_text="The token of the page to return")


class StarredRepositoryOutput(serializers.Serializer):
    namespace = serializers.CharField(source="namespace.name")
    name = serializers.CharField()
    description = serializers.CharField()
    is_public = serializers.BooleanField()


class StarredRepositoryListOutput(serializers.Serializer):
    repositories = StarredRepositoryOutput(many=True)
    next_page = serializers.CharField(required=False)


class StarInput(serializers.Serializer):
    namespace = serializers.CharField(help_text="The namespace of the repository to star")
    repository = serializers.CharField(help_text="The name of the repository to star")


class StarredRepositoryListView(APIView):
    # Quay's scopes: the starred list is the user's own business (user:admin), starring also reads.
    required_scopes = {"GET": ["user:admin"], "POST": ["repo:read", "user:admin"]}

    @extend_schema(
        operation_id="listStarredRepos",
        description="List the repositories the caller starred and still reads; pages with next_page.",
        parameters=[StarredListQuery],
        responses={200: StarredRepositoryListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        query = StarredListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        starred = repository_list_starred(user=request_actor(request))
        repositories, next_page = page_slice(
            starred, token=query.validated_data.get("next_page"), size=STARRED_PER_PAGE
        )
        body = {"repositories": StarredRepositoryOutput(repositories, many=True).data}
        if next_page:
            body["next_page"] = next_page
        return Response(body)

    @extend_schema(
        operation_id="createStar",
        description="Star a repository the caller reads; starring it again changes nothing.",
        request=StarInput,
        responses={201: StarInput, **ERROR_RESPONSES},
    )
    def post(self, request: Request) -> Response:
        data = StarInput(data=request.data)
        data.is_valid(raise_exception=True)
        full_name = f"{data.validated_data['namespace']}/{data.validated_data['repository']}"
        access = repository_get_readable(user=request_user(request), full_name=full_name)
        repository_star(user=request_actor(request), repository=access.repository)
        return Response(data.validated_data, status=201)


class StarredRepositoryView(APIView):
    required_scopes = ["user:admin"]

    @extend_schema(
        operation_id="deleteStar",
        description="Remove the caller's star from a repository.",
        responses={204: OpenApiResponse(description="Deleted"), **ERROR_RESPONSES},
    )
    def delete(self, request: Request, repository: str) -> Response:
        access = repository_get_readable(user=request_user(request), full_name=repository)
        repository_unstar(user=request_actor(request), repository=access.repository)
        return Response(status=204)
