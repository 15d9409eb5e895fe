"""Writes: policies created, changed and deleted by namespace and repository admins, and the
prune itself (pruning.worker decides when and which namespace).

Creating a policy ensures the namespace's task row in the same transaction, under that row's
lock, so a worker deleting the task of a namespace it found without policies cannot miss a
policy created meanwhile. Policies of one target combine: a tag goes when any of them says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from orgs.audit import audit_log_write, audit_log_write_many
from orgs.errors import InvalidInput
from orgs.models import Namespace, User
from orgs.services.authorization import require_namespace_admin
from pruning.models import AutoPruneTaskStatus, NamespaceAutoPrunePolicy, RepositoryAutoPrunePolicy
from pruning.policies import LiveTag, Policy, policy_config_clean
from pruning.selectors import namespace_policy_get, policies_of_namespace, repository_policy_get
from registry.models import Repository, Tag
from registry.services.authorization import require_repository_admin
from registry.services.tags import tags_delete_by_system
from registry.tag_liveness import tag_active_q

REPOSITORY_PAGE = 100
# How the audit log names who pruned (Quay's words); the rows have no performer.
PERFORMER = "autoprune worker"


def _task_ensure(namespace: Namespace) -> None:
    # The lock waits for a worker deleting this task to commit; then the row is gone and is made anew.
    if AutoPruneTaskStatus.objects.select_for_update().filter(namespace=namespace).first() is None:
        AutoPruneTaskStatus.objects.get_or_create(namespace=namespace)


def _duplicate_check(existing: list[dict], config: dict) -> None:
    if config in existing:
        raise InvalidInput("a policy with the same method, value and tag pattern already exists")


def _audit_config(config: dict) -> dict:
    return {key: config[key] for key in ("method", "value", "tag_pattern", "tag_pattern_matches")}


def _namespace_audit(kind: str, actor: User | None, namespace: Namespace, **metadata: object) -> None:
    audit_log_write(
        kind=kind, performer=actor, namespace=namespace, metadata={**metadata, "namespace": namespace.name}
    )


def _repository_audit(kind: str, actor: User | None, repository: Repository, **metadata: object) -> None:
    audit_log_write(
        kind=kind,
        performer=actor,
        repository=repository,
        metadata={**metadata, "namespace": repository.namespace.name, "repo": repository.name},
    )


@transaction.atomic
def namespace_policy_create(
    *, actor: User | None, namespace: Namespace, **config: object
) -> NamespaceAutoPrunePolicy:
    """``config``: method, value, tag_pattern, tag_pattern_matches (pruning.policies checks them)."""
    require_namespace_admin(actor=actor, namespace=namespace)
    cleaned = policy_config_clean(**config)
    _task_ensure(namespace)
    existing = NamespaceAutoPrunePolicy.objects.filter(namespace=namespace).values_list("policy", flat=True)
    _duplicate_check(list(existing), cleaned)
    policy = NamespaceAutoPrunePolicy.objects.create(namespace=namespace, policy=cleaned)
    _namespace_audit("create_namespace_autoprune_policy", actor, namespace, **_audit_config(cleaned))
    return policy


@transaction.atomic
def namespace_policy_update(
    *, actor: User | None, namespace: Namespace, uuid: str, **config: object
) -> NamespaceAutoPrunePolicy:
    require_namespace_admin(actor=actor, namespace=namespace)
    policy = namespace_policy_get(namespace=namespace, uuid=uuid)
    cleaned = policy_config_clean(**config)
    others = NamespaceAutoPrunePolicy.objects.filter(namespace=namespace).exclude(pk=policy.pk)
    _duplicate_check(list(others.values_list("policy", flat=True)), cleaned)
    policy.policy = cleaned
    policy.save(update_fields=["policy"])
    _namespace_audit("update_namespace_autoprune_policy", actor, namespace, **_audit_config(cleaned))
    return policy


@transaction.atomic
def namespace_policy_delete(*, actor: User | None, namespace: Namespace, uuid: str) -> None:
    """The task row stays: the worker deletes it once it finds no policy left."""
    require_namespace_admin(actor=actor, namespace=namespace)
    namespace_policy_get(namespace=namespace, uuid=uuid).delete()
    _namespace_audit("delete_namespace_autoprune_policy", actor, namespace, policy_uuid=uuid)


@transaction.atomic
def repository_policy_create(
    *, actor: User | None, repository: Repository, **config: object
) -> RepositoryAutoPrunePolicy:
    require_repository_admin(actor=actor, repository=repository)
    cleaned = policy_config_clean(**config)
    _task_ensure(repository.namespace)
    existing = RepositoryAutoPrunePolicy.objects.filter(repository=repository).values_list(
        "policy", flat=True
    )
    _duplicate_check(list(existing), cleaned)
    policy = RepositoryAutoPrunePolicy.objects.create(
        repository=repository, namespace_id=repository.namespace_id, policy=cleaned
    )
    _repository_audit("create_repository_autoprune_policy", actor, repository, **_audit_config(cleaned))
    return policy


@transaction.atomic
def repository_policy_update(
    *, actor: User | None, repository: Repository, uuid: str, **config: object
) -> RepositoryAutoPrunePolicy:
    require_repository_admin(actor=actor, repository=repository)
    policy = repository_policy_get(repository=repository, uuid=uuid)
    cleaned = policy_config_clean(**config)
    others = RepositoryAutoPrunePolicy.objects.filter(repository=repository).exclude(pk=policy.pk)
    _duplicate_check(list(others.values_list("policy", flat=True)), cleaned)
    policy.policy = cleaned
    policy.save(update_fields=["policy"])
    _repository_audit("update_repository_autoprune_policy", actor, repository, **_audit_config(cleaned))
    return policy


@transaction.atomic
def repository_policy_delete(*, actor: User | None, repository: Repository, uuid: str) -> None:
    require_repository_admin(actor=actor, repository=repository)
    repository_policy_get(repository=repository, uuid=uuid).delete()
    _repository_audit("delete_repository_autoprune_policy", actor, repository, policy_uuid=uuid)


# The prune ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrunedTag:
    repository: str
    tag: str
    policy_uuid: str


@dataclass
class PruneResult:
    namespace: str
    dry_run: bool
    repositories: int = 0
    tags: list[PrunedTag] = field(default_factory=list)


def _repositories_to_prune(
    namespace: Namespace, own: list[Policy], by_repository: dict[int, list[Policy]]
) -> Iterator[Repository]:
    """NORMAL repositories only (READ_ONLY and MIRROR ones keep their tags), a page at a time by pk;
    with no namespace policy, only those with policies of their own."""
    rows = Repository.objects.filter(namespace=namespace, state=Repository.State.NORMAL)
    if not own:
        rows = rows.filter(pk__in=list(by_repository))
    last = 0
    while True:
        page = list(rows.filter(pk__gt=last).order_by("pk")[:REPOSITORY_PAGE])
        for repository in page:
            repository.namespace = namespace
            yield repository
        if len(page) < REPOSITORY_PAGE:
            return
        last = page[-1].pk


def tags_chosen(*, repository: Repository, policies: list[Policy], now: datetime) -> dict[str, Policy]:
    """Each live tag some policy prunes, with the first policy that does: one query."""
    rows = Tag.objects.filter(tag_active_q(now), repository=repository).order_by("-start", "-pk")
    tags = [LiveTag(name=name, pushed=start) for name, start in rows.values_list("name", "start")]
    chosen: dict[str, Policy] = {}
    for policy in policies:
        for name in policy.doomed(tags, now):
            chosen.setdefault(name, policy)
    return chosen


def repository_prune(
    *, repository: Repository, policies: list[Policy], dry_run: bool = False
) -> list[PrunedTag]:
    """Deletes (``dry_run``: lists) what the policies prune now, in a constant number of queries:
    the tags read, then one transaction ending them through the registry and auditing each."""
    now = timezone.now()
    chosen = tags_chosen(repository=repository, policies=policies, now=now)
    if not dry_run and chosen:
        with transaction.atomic():
            ended = tags_delete_by_system(repository_id=repository.pk, names=chosen, pushed_by=now)
            audit_log_write_many(
                kind="autoprune_tag_delete",
                namespace=repository.namespace,
                repository=repository,
                metadatas=[_pruned_metadata(repository, name, chosen[name]) for name in ended],
            )
        chosen = {name: chosen[name] for name in ended}
    return [PrunedTag(repository.name, name, policy.uuid) for name, policy in sorted(chosen.items())]


def repository_prune_preview(*, repository: Repository) -> list[PrunedTag]:
    """What the worker would prune in the repository now, under its and its namespace's policies."""
    if repository.state != Repository.State.NORMAL:
        return []
    own, by_repository = policies_of_namespace(namespace_id=repository.namespace_id)
    policies = own + by_repository.get(repository.pk, [])
    return repository_prune(repository=repository, policies=policies, dry_run=True)


def _pruned_metadata(repository: Repository, tag: str, policy: Policy) -> dict:
    return {
        "performer": PERFORMER,
        "namespace": repository.namespace.name,
        "repo": repository.name,
        "tag": tag,
        **policy.audit_metadata(),
    }


def namespace_prune(
    *, namespace: Namespace, dry_run: bool = False, after_repository: Callable[[], None] | None = None
) -> PruneResult:
    """Applies the namespace's and its repositories' policies to every NORMAL repository.
    ``after_repository`` runs after each (the worker renews its claim there)."""
    own, by_repository = policies_of_namespace(namespace_id=namespace.pk)
    result = PruneResult(namespace=namespace.name, dry_run=dry_run)
    for repository in _repositories_to_prune(namespace, own, by_repository):
        policies = own + by_repository.get(repository.pk, [])
        result.tags += repository_prune(repository=repository, policies=policies, dry_run=dry_run)
        result.repositories += 1
        if after_repository is not None:
            after_repository()
    return result
