"""Repositories: lookup by full name, creation (on first push or through the API), deletion,
visibility and description. The API's writes check their ``actor`` and write the audit log."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from orgs.audit import audit_log_write
from orgs.errors import InvalidInput, InvalidName, NameTaken, NotPermitted
from orgs.models import Namespace, User
from orgs.selectors.identity import may_create_repository
from registry import hooks
from registry.errors import NameInvalid, NameUnknown
from registry.models import Manifest, ManifestChild, Repository, Tag
from registry.names import repository_name_split
from registry.selectors.repositories import repository_get
from registry.services.authorization import require_repository_admin, require_repository_write
from registry.services.gc import gc_blobs_enqueue
from registry.services.permissions import repository_defaults_apply
from registry.services.repository_locks import repository_lock


def repository_get_or_create(*, full_name: str, creator: User | None = None) -> Repository:
    """For a push the token allowed: the token endpoint already checked the right to create.

    A new repository gets its creator's admin grant and its organization's default permissions
    in the same transaction, so nobody sees it without them.
    """
    try:
        return repository_get(full_name=full_name)
    except NameUnknown:
        pass
    namespace_name, name = repository_name_split(full_name)
    namespace = Namespace.objects.filter(name=namespace_name).first()
    if namespace is None:
        raise NameUnknown(detail={"name": full_name})
    with transaction.atomic():
        try:
            with transaction.atomic():
                repository = Repository.objects.create(namespace=namespace, name=name, is_public=False)
        except IntegrityError:
            # Another request created it first.
            return repository_get(full_name=full_name)
        repository_defaults_apply(repository=repository, creator=creator)
    return repository


VISIBILITIES = {"public": True, "private": False}


def _visibility_is_public(visibility: str) -> bool:
    if visibility not in VISIBILITIES:
        raise InvalidInput(f"{visibility!r}: visibility is 'public' or 'private'")
    return VISIBILITIES[visibility]


@transaction.atomic
def repository_create(
    *, namespace_name: str, name: str, visibility: str, description: str = "", actor: User | None
) -> Repository:
    """Creates an empty repository where ``actor`` may create (namespace admin or creator team);
    its creator's grant, the default permissions and the audit record come with it. A missing
    namespace is refused like one the actor may not create in, as Quay does."""
    namespace = Namespace.objects.filter(name=namespace_name).first()
    if namespace is None or not (actor is None or may_create_repository(user=actor, namespace=namespace)):
        raise NotPermitted(f"{actor} may not create repositories in {namespace_name}")
    is_public = _visibility_is_public(visibility)
    try:
        repository_name_split(f"{namespace.name}/{name}")
    except NameInvalid:
        raise InvalidName(f"{name!r} is not a valid repository name") from None
    try:
        with transaction.atomic():
            repository = Repository.objects.create(
                namespace=namespace, name=name, is_public=is_public, description=description
            )
    except IntegrityError:
        raise NameTaken("Repository already exists") from None
    repository_defaults_apply(repository=repository, creator=actor)
    return repository


def repository_rows_delete(*, repository: Repository) -> None:
    """Deletes the repository with its tags, manifests and blob links, in the caller's transaction;
    the name is free once it commits. Blobs no repository links any more are left to GC: the
    caller queues it (gc_blobs_enqueue), so the bytes go through GC's locks, never from here."""
    # Pushes tag under this row's lock: none lands between the deletes below.
    repository_lock(repository_id=repository.pk)
    # Tags and child links protect manifests; delete them first, in dependency order.
    Tag.objects.filter(repository=repository).delete()
    ManifestChild.objects.filter(manifest__repository=repository).delete()
    manifests = Manifest.objects.filter(repository=repository)
    sizes = tuple(manifests.order_by("pk").values_list("pk", "size"))
    if sizes:
        hooks.hooks_run(hooks.before_manifest_delete, hooks.ManifestsDeleting(repository, sizes))
    manifests.delete()
    repository.delete()


@transaction.atomic
def repository_delete(*, repository: Repository, actor: User | None) -> None:
    """Deletes the repository at once, so its name is free; GC then reclaims its blobs."""
    require_repository_admin(actor=actor, repository=repository)
    audit_log_write(
        kind="delete_repo",
        performer=actor,
        # The record keeps the repository's name once its row, and so the link, is gone.
        repository=repository,
        metadata={"repo": repository.name, "namespace": repository.namespace.name},
    )
    repository_rows_delete(repository=repository)
    gc_blobs_enqueue()


@transaction.atomic
def repository_set_visibility(*, repository: Repository, visibility: str, actor: User | None) -> Repository:
    require_repository_admin(actor=actor, repository=repository)
    repository.is_public = _visibility_is_public(visibility)
    repository.save(update_fields=["is_public"])
    audit_log_write(
        kind="change_repo_visibility",
        performer=actor,
        repository=repository,
        metadata={"repo": repository.name, "visibility": visibility},
    )
    return repository


@transaction.atomic
def repository_set_description(*, repository: Repository, description: str, actor: User | None) -> Repository:
    require_repository_write(actor=actor, repository=repository)
    repository.description = description
    repository.save(update_fields=["description"])
    audit_log_write(
        kind="set_repo_description",
        performer=actor,
        repository=repository,
        metadata={"repo": repository.name, "description": description},
    )
    return repository


def namespace_repositories_delete(namespace: Namespace) -> None:
    """orgs' namespace_delete hook: the namespace's repositories go first, by pk, each under its
    own row lock, as a single deletion would; one GC pass then collects their bytes.

    Every row lock is taken first, in pk order: the deletes' hooks take namespace-wide rows (a
    quota's sizes), and taking a repository lock after one of those could deadlock with a push
    that holds that repository and waits for the same namespace row."""
    repositories = Repository.objects.filter(namespace=namespace).order_by("pk")
    for repository in repositories:
        repository_lock(repository_id=repository.pk)
    for repository in repositories:
        repository_rows_delete(repository=repository)
    gc_blobs_enqueue()


def namespace_repositories_refusal(namespace: Namespace) -> str | None:
    """orgs' namespace_delete_refusal hook: a user's namespace with repositories stays."""
    if Repository.objects.filter(namespace=namespace).exists():
        return "still owns repositories: delete them first"
    return None
