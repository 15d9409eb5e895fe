"""Repositories and tags on Quay's /api/v1 paths: thin over registry services and selectors.

A repository the caller cannot read answers 404 whatever the method, as a missing one does; a
caller who reads it but lacks the role for a change gets 403.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orgs.request_context import request_actor, request_user
from orgs.services.namespaces import time_machine_window
from quaysite.api_paging import page_slice
from quaysite.api_schema import ERROR_RESPONSES
from registry import hooks
from registry.api.serializers import (
    RepositoryCreatedOutput,
    RepositoryCreateInput,
    RepositoryListOutput,
    RepositoryListQuery,
    RepositoryOutput,
    RepositoryStateInput,
    RepositorySummaryOutput,
    RepositoryUpdateInput,
    SuccessOutput,
    TagListOutput,
    TagListQuery,
    TagOutput,
    VisibilityInput,
)
from registry.selectors.repositories import (
    repository_get_readable,
    repository_list_starred,
    repository_list_visible,
    repository_starred_ids,
)
from registry.selectors.tags import tag_history_page
from registry.services.repositories import (
    repository_create,
    repository_delete,
    repository_set_description,
    repository_set_visibility,
)
from registry.services.repository_states import repository_set_state

REPOSITORIES_PER_PAGE = 100
TAGS_PER_PAGE_MAX = 100


class RepositoryListView(APIView):
    required_scopes = {"GET": ["repo:read"], "POST": ["repo:create"]}

    def get_permissions(self) -> list:
        # Creating a repository needs the default login; anonymous callers may list public ones.
        return super().get_permissions() if self.request.method == "POST" else [AllowAny()]

    @extend_schema(
        operation_id="listRepos",
        description=(
            "Fetch the repositories visible to the caller: one of namespace, starred or public "
            "is required. Pages with next_page."
        ),
        parameters=[RepositoryListQuery],
        responses={200: RepositoryListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        query = RepositoryListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        args = query.validated_data
        if not (args.get("namespace") or args["starred"] or args["public"]):
            raise ValidationError("namespace, starred or public are required for this API call")
        user = request_user(request)
        if args["starred"]:
            if user is None:
                raise ValidationError("starred repositories need a logged-in user")
            listed = repository_list_starred(user=user, namespace=args.get("namespace"))
        else:
            listed = repository_list_visible(
                user=user, namespace=args.get("namespace"), public=args["public"]
            )
        repositories, next_page = page_slice(listed, token=args.get("next_page"), size=REPOSITORIES_PER_PAGE)
        starred = repository_starred_ids(user=user, repositories=repositories)
        body = {
            "repositories": RepositorySummaryOutput(
                repositories, many=True, context={"starred": starred}
            ).data
        }
        if next_page:
            body["next_page"] = next_page
        return Response(body)

    @extend_schema(
        operation_id="createRepo",
        description="Create a new, empty repository in a namespace where the caller may create.",
        request=RepositoryCreateInput,
        responses={201: RepositoryCreatedOutput, **ERROR_RESPONSES},
    )
    def post(self, request: Request) -> Response:
        data = RepositoryCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        repository = repository_create(
            namespace_name=data.validated_data.get("namespace") or request_actor(request).username,
            name=data.validated_data["repository"],
            visibility=data.validated_data["visibility"],
            description=data.validated_data["description"],
            actor=request_actor(request),
        )
        return Response(RepositoryCreatedOutput(repository).data, status=201)


class RepositoryView(APIView):
    required_scopes = {"GET": ["repo:read"], "PUT": ["repo:write"], "DELETE": ["repo:admin"]}

    def get_permissions(self) -> list:
        # Anonymous callers may read (a public one); writes need the default login.
        return [AllowAny()] if self.request.method == "GET" else super().get_permissions()

    @extend_schema(
        operation_id="getRepo",
        description="Fetch the specified repository.",
        responses={200: RepositoryOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, repository: str) -> Response:
        user = request_user(request)
        access = repository_get_readable(user=user, full_name=repository)
        context = {
            "role": access.role,
            "starred": repository_starred_ids(user=user, repositories=[access.repository]),
            "tag_expiration_s": int(time_machine_window(access.repository.namespace).total_seconds()),
        }
        body = RepositoryOutput(access.repository, context=context).data
        return Response({**body, **hooks.repository_response_extra(access.repository)})

    @extend_schema(
        operation_id="updateRepo",
        description="Update the description of the specified repository (write role).",
        request=RepositoryUpdateInput,
        responses={200: SuccessOutput, **ERROR_RESPONSES},
    )
    def put(self, request: Request, repository: str) -> Response:
        access = repository_get_readable(user=request_user(request), full_name=repository)
        data = RepositoryUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        repository_set_description(
            repository=access.repository,
            description=data.validated_data["description"],
            actor=request_actor(request),
        )
        return Response({"success": True})

    @extend_schema(
        operation_id="deleteRepository",
        description="Delete a repository with its tags and manifests (admin role).",
        responses={204: OpenApiResponse(description="Deleted"), **ERROR_RESPONSES},
    )
    def delete(self, request: Request, repository: str) -> Response:
        access = repository_get_readable(user=request_user(request), full_name=repository)
        repository_delete(repository=access.repository, actor=request_actor(request))
        return Response(status=204)


class RepositoryVisibilityView(APIView):
    required_scopes = ["repo:admin"]

    @extend_schema(
        operation_id="changeRepoVisibility",
        description="Change the visibility of a repository to public or private (admin role).",
        request=VisibilityInput,
        responses={200: SuccessOutput, **ERROR_RESPONSES},
    )
    def post(self, request: Request, repository: str) -> Response:
        access = repository_get_readable(user=request_user(request), full_name=repository)
        data = VisibilityInput(data=request.data)
        data.is_valid(raise_exception=True)
        repository_set_visibility(
            repository=access.repository,
            visibility=data.validated_data["visibility"],
            actor=request_actor(request),
        )
        return Response({"success": True})


class RepositoryTagListView(APIView):
    required_scopes = ["repo:read"]
    # A public repository's tags are readable without a login.
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="listRepoTags",
        description=(
            "List the repository's tag history, newest first; onlyActiveTags keeps the live "
            "tags, specificTag one tag's history, filter_tag_name (like:text or eq:name) "
            "matches names. Pages with page and has_additional."
        ),
        parameters=[TagListQuery],
        responses={200: TagListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, repository: str) -> Response:
        access = repository_get_readable(user=request_user(request), full_name=repository)
        query = TagListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        args = query.validated_data
        page = tag_history_page(
            repository=access.repository,
            only_active=args["onlyActiveTags"],
            specific_tag=args.get("specificTag"),
            name_filter=args.get("filter_tag_name"),
            # Quay clamps rather than refuses an out-of-range limit or page.
            limit=min(max(args["limit"], 1), TAGS_PER_PAGE_MAX),
            page=max(args["page"], 1),
        )
        return Response(
            {
                "tags": TagOutput(page.tags, many=True).data,
                "page": page.page,
                "has_additional": page.has_additional,
            }
        )


class RepositoryStateView(APIView):
    required_scopes = ["repo:admin"]

    @extend_schema(
        operation_id="changeRepoState",
        description=(
            "Change the state of the repository: NORMAL, READ_ONLY (no pushes, no tag changes) "
            "or MIRROR (only its mirror robot pushes) (admin role)."
        ),
        request=RepositoryStateInput,
        responses={200: SuccessOutput, **ERROR_RESPONSES},
    )
    def put(self, request: Request, repository: str) -> Response:
        access = repository_get_readable(user=request_user(request), full_name=repository)
        data = RepositoryStateInput(data=request.data)
        data.is_valid(raise_exception=True)
        repository_set_state(
            repository=access.repository, state=data.validated_data["state"], actor=request_actor(request)
        )
        return Response({"success": True})
