"""Auto-prune policies on Quay's paths (its endpoints/api/policy.py): an organization's and the
caller's own namespace's (admins), a repository's (repository admins). Thin over
pruning.services; ``?dry_run=true`` on a listing is ours: it adds what the policies would prune now.
"""

from __future__ import annotations

from collections.abc import Callable

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orgs.errors import NotPermitted
from orgs.models import Namespace
from orgs.request_context import request_actor, request_user
from orgs.selectors.identity import organization_get
from orgs.services.authorization import require_namespace_admin
from pruning.api.serializers import DryRunQuery, PolicyInput, PolicyListOutput, PolicyOutput, PolicyUuidOutput
from pruning.policies import policy_view
from pruning.selectors import (
    namespace_policy_get,
    namespace_policy_list,
    repository_policy_get,
    repository_policy_list,
)
from pruning.services import (
    PrunedTag,
    namespace_policy_create,
    namespace_policy_delete,
    namespace_policy_update,
    namespace_prune,
    repository_policy_create,
    repository_policy_delete,
    repository_policy_update,
    repository_prune_preview,
)
from quaysite.api_schema import ERROR_RESPONSES
from registry.models import Repository
from registry.selectors.repositories import repository_get_readable
from registry.services.authorization import require_repository_admin


def _prunable_view(tags: list[PrunedTag]) -> list[dict]:
    return [{"repository": tag.repository, "tag": tag.tag, "policy": tag.policy_uuid} for tag in tags]


def _listing(policies: list, request: Request, preview: Callable[[], list[PrunedTag]]) -> Response:
    query = DryRunQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    body: dict = {"policies": [policy_view(uuid=row.uuid, config=row.policy) for row in policies]}
    if query.validated_data["dry_run"]:
        body["prunable"] = _prunable_view(preview())
    return Response(body)


class _NamespaceMixin:
    """The namespace of the path (an organization, or the caller's own) and its admin check."""

    def namespace_for_admin(self, request: Request, orgname: str | None) -> Namespace:
        actor = request_actor(request)
        if orgname is None:
            if actor.namespace is None:
                raise NotPermitted(f"{actor} has no namespace of its own")
            namespace = actor.namespace
        else:
            namespace = organization_get(name=orgname).namespace
        require_namespace_admin(actor=actor, namespace=namespace)
        return namespace


LIST_DESCRIPTION = (
    "List the namespace's auto-prune policies (admins). dry_run=true adds the tags they would prune now."
)
CREATE_DESCRIPTION = (
    "Create an auto-prune policy (admins): method number_of_tags (keep the newest value tags) or "
    "creation_date (prune tags pushed more than value ago: 10s, 45m, 12h, 30d, 2w), optionally only "
    "for tags matching tagPattern (or, with tagPatternMatches false, not matching it)."
)


class NamespacePolicyListView(_NamespaceMixin, APIView):
    required_scopes = ["org:admin"]

    @extend_schema(
        operation_id="listOrganizationAutoPrunePolicies",
        description=LIST_DESCRIPTION,
        parameters=[DryRunQuery],
        responses={200: PolicyListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, orgname: str | None = None) -> Response:
        namespace = self.namespace_for_admin(request, orgname)
        policies = list(namespace_policy_list(namespace=namespace))
        return _listing(policies, request, lambda: namespace_prune(namespace=namespace, dry_run=True).tags)

    @extend_schema(
        operation_id="createOrganizationAutoPrunePolicy",
        description=CREATE_DESCRIPTION,
        request=PolicyInput,
        responses={201: PolicyUuidOutput, **ERROR_RESPONSES},
    )
    def post(self, request: Request, orgname: str | None = None) -> Response:
        namespace = self.namespace_for_admin(request, orgname)
        data = PolicyInput(data=request.data)
        data.is_valid(raise_exception=True)
        policy = namespace_policy_create(
            actor=request_actor(request), namespace=namespace, **data.service_arguments()
        )
        return Response({"uuid": policy.uuid}, status=201)


class NamespacePolicyView(_NamespaceMixin, APIView):
    required_scopes = ["org:admin"]

    @extend_schema(
        operation_id="getOrganizationAutoPrunePolicy",
        description="Get one auto-prune policy of the namespace (admins).",
        responses={200: PolicyOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, policy_uuid: str, orgname: str | None = None) -> Response:
        namespace = self.namespace_for_admin(request, orgname)
        policy = namespace_policy_get(namespace=namespace, uuid=policy_uuid)
        return Response(policy_view(uuid=policy.uuid, config=policy.policy))

    @extend_schema(
        operation_id="updateOrganizationAutoPrunePolicy",
        description="Replace the policy's method, value and tag pattern (admins).",
        request=PolicyInput,
        responses={204: OpenApiResponse(description="Updated"), **ERROR_RESPONSES},
    )
    def put(self, request: Request, policy_uuid: str, orgname: str | None = None) -> Response:
        namespace = self.namespace_for_admin(request, orgname)
        data = PolicyInput(data=request.data)
        data.is_valid(raise_exception=True)
        namespace_policy_update(
            actor=request_actor(request), namespace=namespace, uuid=policy_uuid, **data.service_arguments()
        )
        return Response(status=204)

    @extend_schema(
        operation_id="deleteOrganizationAutoPrunePolicy",
        description="Delete the policy (admins).",
        responses={200: PolicyUuidOutput, **ERROR_RESPONSES},
    )
    def delete(self, request: Request, policy_uuid: str, orgname: str | None = None) -> Response:
        namespace = self.namespace_for_admin(request, orgname)
        namespace_policy_delete(actor=request_actor(request), namespace=namespace, uuid=policy_uuid)
        return Response({"uuid": policy_uuid})


class UserPolicyListView(NamespacePolicyListView):
    required_scopes = ["user:admin"]

    @extend_schema(
        operation_id="listUserAutoPrunePolicies",
        description=LIST_DESCRIPTION,
        parameters=[DryRunQuery],
        responses={200: PolicyListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, orgname: str | None = None) -> Response:
        return super().get(request)

    @extend_schema(
        operation_id="createUserAutoPrunePolicy",
        description=CREATE_DESCRIPTION,
        request=PolicyInput,
        responses={201: PolicyUuidOutput, **ERROR_RESPONSES},
    )
    def post(self, request: Request, orgname: str | None = None) -> Response:
        return super().post(request)


class UserPolicyView(NamespacePolicyView):
    required_scopes = ["user:admin"]

    @extend_schema(
        operation_id="getUserAutoPrunePolicy",
        description="Get one auto-prune policy of your namespace.",
        responses={200: PolicyOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, policy_uuid: str, orgname: str | None = None) -> Response:
        return super().get(request, policy_uuid)

    @extend_schema(
        operation_id="updateUserAutoPrunePolicy",
        description="Replace the policy's method, value and tag pattern.",
        request=PolicyInput,
        responses={204: OpenApiResponse(description="Updated"), **ERROR_RESPONSES},
    )
    def put(self, request: Request, policy_uuid: str, orgname: str | None = None) -> Response:
        return super().put(request, policy_uuid)

    @extend_schema(
        operation_id="deleteUserAutoPrunePolicy",
        description="Delete the policy.",
        responses={200: PolicyUuidOutput, **ERROR_RESPONSES},
    )
    def delete(self, request: Request, policy_uuid: str, orgname: str | None = None) -> Response:
        return super().delete(request, policy_uuid)


def _repository_for_admin(request: Request, repository: str) -> Repository:
    found = repository_get_readable(user=request_user(request), full_name=repository).repository
    require_repository_admin(actor=request_actor(request), repository=found)
    return found


class RepositoryPolicyListView(APIView):
    required_scopes = ["repo:admin"]

    @extend_schema(
        operation_id="listRepositoryAutoPrunePolicies",
        description=(
            "List the repository's own auto-prune policies (repository admins). dry_run=true adds "
            "the tags its and its namespace's policies would prune now."
        ),
        parameters=[DryRunQuery],
        responses={200: PolicyListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, repository: str) -> Response:
        found = _repository_for_admin(request, repository)
        policies = list(repository_policy_list(repository=found))
        return _listing(policies, request, lambda: repository_prune_preview(repository=found))

    @extend_schema(
        operation_id="createRepositoryAutoPrunePolicy",
        description=CREATE_DESCRIPTION.replace("(admins)", "(repository admins)"),
        request=PolicyInput,
        responses={201: PolicyUuidOutput, **ERROR_RESPONSES},
    )
    def post(self, request: Request, repository: str) -> Response:
        found = _repository_for_admin(request, repository)
        data = PolicyInput(data=request.data)
        data.is_valid(raise_exception=True)
        policy = repository_policy_create(
            actor=request_actor(request), repository=found, **data.service_arguments()
        )
        return Response({"uuid": policy.uuid}, status=201)


class RepositoryPolicyView(APIView):
    required_scopes = ["repo:admin"]

    @extend_schema(
        operation_id="getRepositoryAutoPrunePolicy",
        description="Get one auto-prune policy of the repository (repository admins).",
        responses={200: PolicyOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, repository: str, policy_uuid: str) -> Response:
        found = _repository_for_admin(request, repository)
        policy = repository_policy_get(repository=found, uuid=policy_uuid)
        return Response(policy_view(uuid=policy.uuid, config=policy.policy))

    @extend_schema(
        operation_id="updateRepositoryAutoPrunePolicy",
        description="Replace the policy's method, value and tag pattern (repository admins).",
        request=PolicyInput,
        responses={204: OpenApiResponse(description="Updated"), **ERROR_RESPONSES},
    )
    def put(self, request: Request, repository: str, policy_uuid: str) -> Response:
        found = _repository_for_admin(request, repository)
        data = PolicyInput(data=request.data)
        data.is_valid(raise_exception=True)
        repository_policy_update(
            actor=request_actor(request), repository=found, uuid=policy_uuid, **data.service_arguments()
        )
        return Response(status=204)

    @extend_schema(
        operation_id="deleteRepositoryAutoPrunePolicy",
        description="Delete the policy (repository admins).",
        responses={200: PolicyUuidOutput, **ERROR_RESPONSES},
    )
    def delete(self, request: Request, repository: str, policy_uuid: str) -> Response:
        found = _repository_for_admin(request, repository)
        repository_policy_delete(actor=request_actor(request), repository=found, uuid=policy_uuid)
        return Response({"uuid": policy_uuid})
