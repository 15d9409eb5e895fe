"""Reads of policies: a namespace's or a repository's, as the API lists them and the worker
applies them."""

from __future__ import annotations

from django.db.models import QuerySet

from orgs.errors import NotFound
from orgs.models import Namespace
from pruning.models import NamespaceAutoPrunePolicy, RepositoryAutoPrunePolicy
from pruning.policies import Policy, policy_from_row
from registry.models import Repository


def namespace_policy_list(*, namespace: Namespace) -> QuerySet[NamespaceAutoPrunePolicy]:
    return NamespaceAutoPrunePolicy.objects.filter(namespace=namespace).order_by("pk")


def repository_policy_list(*, repository: Repository) -> QuerySet[RepositoryAutoPrunePolicy]:
    return RepositoryAutoPrunePolicy.objects.filter(repository=repository).order_by("pk")


def namespace_policy_get(*, namespace: Namespace, uuid: str) -> NamespaceAutoPrunePolicy:
    policy = namespace_policy_list(namespace=namespace).filter(uuid=uuid).first()
    if policy is None:
        raise NotFound(f"no auto-prune policy {uuid[:40]!r} in {namespace.name}")
    return policy


def repository_policy_get(*, repository: Repository, uuid: str) -> RepositoryAutoPrunePolicy:
    policy = repository_policy_list(repository=repository).filter(uuid=uuid).first()
    if policy is None:
        raise NotFound(f"no auto-prune policy {uuid[:40]!r} in {repository}")
    return policy


def policies_of_namespace(*, namespace_id: int) -> tuple[list[Policy], dict[int, list[Policy]]]:
    """The namespace's own policies and its repositories' by repository id: two queries."""
    own = [
        policy_from_row(uuid=uuid, level="namespace", config=config)
        for uuid, config in NamespaceAutoPrunePolicy.objects.filter(namespace_id=namespace_id)
        .order_by("pk")
        .values_list("uuid", "policy")
    ]
    by_repository: dict[int, list[Policy]] = {}
    rows = RepositoryAutoPrunePolicy.objects.filter(namespace_id=namespace_id).order_by("pk")
    for repository_id, uuid, config in rows.values_list("repository_id", "uuid", "policy"):
        by_repository.setdefault(repository_id, []).append(
            policy_from_row(uuid=uuid, level="repository", config=config)
        )
    return own, by_repository
