"""Tags as history rows: moving or deleting a tag ends its live row, and the ended rows are the
time machine. A row is live while its end is unset or ahead (an expiring tag), restorable while
it ended within the namespace's window, garbage (for GC) once it ended before the window.

The API's changes take an ``actor``, check the write role and the repository's state, lock the
repository row (pushes tag under the same lock) and write the audit record in one transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from orgs.audit import audit_log_write
from orgs.errors import FeatureDisabled, InvalidInput, NotFound
from orgs.models import User
from orgs.services.namespaces import time_machine_window
from quaysite.readonly import registry_read_only
from registry import hooks
from registry.errors import ManifestUnknown
from registry.models import Manifest, Repository, Tag
from registry.names import is_tag
from registry.services.authorization import require_repository_write
from registry.services.gc_due import gc_due_mark
from registry.services.repository_locks import repository_lock
from registry.services.repository_states import repository_push_check, repository_require_normal
from registry.tag_liveness import tag_active_q


def tag_live(*, repository: Repository, name: str, now: datetime | None = None) -> Tag | None:
    now = now or timezone.now()
    return (
        Tag.objects.select_related("manifest")
        .filter(tag_active_q(now), repository=repository, name=name)
        .order_by("-start", "-pk")
        .first()
    )


def tag_set(*, repository: Repository, name: str, manifest: Manifest, expires: datetime | None = None) -> Tag:
    """Points a tag at a manifest; ``expires`` (from ``quay.expires-after``) ends the row then.
    The caller holds the repository row lock."""
    now = timezone.now()
    current = tag_live(repository=repository, name=name, now=now)
    if current is not None:
        if current.manifest_id == manifest.pk:
            if expires is not None and current.end != expires:
                Tag.objects.filter(pk=current.pk).update(end=expires)
                current.end = expires
            return current
        Tag.objects.filter(pk=current.pk).update(end=now)
    return Tag.objects.create(repository=repository, name=name, manifest=manifest, start=now, end=expires)


def _tags_ended(repository: Repository, name: str, actor_id: int | None) -> None:
    hooks.hooks_run(hooks.after_tag_delete, hooks.TagsEnded(repository, (name,), actor_id))


@transaction.atomic
def tag_delete_registry(*, repository: Repository, name: str, pusher_id: int | None) -> None:
    """The registry's DELETE by tag: the token already allowed it and the view audits it."""
    repository_push_check(repository=repository, user_id=pusher_id)
    now = timezone.now()
    ended = Tag.objects.filter(tag_active_q(now), repository=repository, name=name).update(end=now)
    if not ended:
        raise ManifestUnknown(detail={"tag": name})
    gc_due_mark(repository_id=repository.pk)
    _tags_ended(repository, name, pusher_id)


# The API's tag changes -------------------------------------------------------------------------


def _lock_for_tag_change(*, actor: User | None, repository: Repository) -> None:
    require_repository_write(actor=actor, repository=repository)
    repository_require_normal(repository=repository)
    repository_lock(repository_id=repository.pk)
    # Every API tag change ends or moves rows; rolled back with the change if it fails.
    gc_due_mark(repository_id=repository.pk)


def _audit(kind: str, actor: User | None, repository: Repository, **metadata: object) -> None:
    audit_log_write(
        kind=kind,
        performer=actor,
        repository=repository,
        metadata={
            "username": actor.username if actor else "",
            "repo": repository.name,
            "namespace": repository.namespace.name,
            **metadata,
        },
    )


def _name_check(name: str) -> None:
    if not is_tag(name):
        raise InvalidInput(f"{name[:200]!r} is not a valid tag name")


@transaction.atomic
def tag_create_or_move(*, actor: User | None, repository: Repository, name: str, manifest_digest: str) -> Tag:
    _name_check(name)
    _lock_for_tag_change(actor=actor, repository=repository)
    manifest = Manifest.objects.filter(
        repository=repository, digest=manifest_digest, deleted__isnull=True
    ).first()
    if manifest is None:
        raise NotFound(f"no manifest {manifest_digest[:100]!r} in {repository}")
    existing = tag_live(repository=repository, name=name)
    tag = tag_set(repository=repository, name=name, manifest=manifest)
    _audit(
        "move_tag" if existing else "create_tag",
        actor,
        repository,
        tag=name,
        manifest_digest=manifest.digest,
        original_manifest_digest=existing.manifest.digest if existing else None,
    )
    return tag


@transaction.atomic
def tag_expiration_set(
    *, actor: User | None, repository: Repository, name: str, expiration: datetime | None
) -> Tag:
    """Sets, changes or clears (None) when the live tag ends; a past moment is refused."""
    _lock_for_tag_change(actor=actor, repository=repository)
    now = timezone.now()
    tag = tag_live(repository=repository, name=name, now=now)
    if tag is None:
        raise NotFound(f"no tag {name!r} in {repository}")
    if expiration is not None and expiration <= now:
        raise InvalidInput("the expiration must be in the future")
    if tag.end != expiration:
        previous = tag.end
        Tag.objects.filter(pk=tag.pk).update(end=expiration)
        tag.end = expiration
        _audit(
            "change_tag_expiration",
            actor,
            repository,
            tag=name,
            expiration_date=expiration.isoformat() if expiration else None,
            old_expiration_date=previous.isoformat() if previous else None,
        )
    return tag


@transaction.atomic
def tag_change(
    *,
    actor: User | None,
    repository: Repository,
    name: str,
    manifest_digest: str | None,
    expiration_given: bool,
    expiration: datetime | None,
) -> Tag:
    """Quay's PUT on a tag: create or move it (``manifest_digest``), then set or clear its
    expiration (``expiration_given``); all or nothing."""
    if manifest_digest is None and not expiration_given:
        raise InvalidInput("nothing to change: give manifest_digest and/or expiration")
    if manifest_digest is not None:
        moved = tag_create_or_move(
            actor=actor, repository=repository, name=name, manifest_digest=manifest_digest
        )
        if not expiration_given:
            return moved
    return tag_expiration_set(actor=actor, repository=repository, name=name, expiration=expiration)


def _expire_permanently_allowed() -> None:
    if not settings.PERMANENTLY_DELETE_TAGS:
        raise FeatureDisabled("PERMANENTLY_DELETE_TAGS is off: deleted tags stay in the time machine")


@transaction.atomic
def tag_delete(*, actor: User | None, repository: Repository, name: str, skip_recovery: bool = False) -> None:
    """The API's delete: the tag enters the time machine, or (``skip_recovery``, where
    PERMANENTLY_DELETE_TAGS allows) leaves it at once for GC."""
    if skip_recovery:
        _expire_permanently_allowed()
    _lock_for_tag_change(actor=actor, repository=repository)
    now = timezone.now()
    end = now - time_machine_window(repository.namespace) if skip_recovery else now
    if not Tag.objects.filter(tag_active_q(now), repository=repository, name=name).update(end=end):
        raise NotFound(f"no tag {name!r} in {repository}")
    _audit("permanently_delete_tag" if skip_recovery else "delete_tag", actor, repository, tag=name)
    _tags_ended(repository, name, actor.pk if actor else None)


def _restorable_q(now: datetime, repository: Repository) -> Q:
    return Q(end__gte=now - time_machine_window(repository.namespace), end__lte=now)


@transaction.atomic
def tag_restore(*, actor: User | None, repository: Repository, name: str, manifest_digest: str) -> Tag:
    """Points the tag back at a manifest it pointed to within the time machine window; the new
    row is a reversion. Outside the window the history is refused, as GC may have taken it."""
    _name_check(name)
    _lock_for_tag_change(actor=actor, repository=repository)
    now = timezone.now()
    history = Tag.objects.filter(repository=repository, name=name, manifest__digest=manifest_digest)
    past = (
        history.filter(_restorable_q(now, repository) | tag_active_q(now)).select_related("manifest").first()
    )
    if past is None:
        window = time_machine_window(repository.namespace)
        if history.exists():
            raise InvalidInput(
                f"tag {name!r} pointed to {manifest_digest} only before the time machine window "
                f"of {repository.namespace.name} ({int(window.total_seconds())}s): "
                "it can no longer be restored"
            )
        raise NotFound(f"tag {name!r} never pointed to {manifest_digest[:100]!r} in {repository}")
    manifest = past.manifest
    current = tag_live(repository=repository, name=name, now=now)
    if current is not None and current.manifest_id == manifest.pk:
        return current
    if manifest.deleted is not None:
        # Deleted by digest, kept for the time machine: the restore serves it again.
        Manifest.objects.filter(pk=manifest.pk).update(deleted=None)
    if current is not None:
        Tag.objects.filter(pk=current.pk).update(end=now)
    tag = Tag.objects.create(repository=repository, name=name, manifest=manifest, start=now, reversion=True)
    _audit("revert_tag", actor, repository, tag=name, manifest_digest=manifest.digest)
    return tag


@transaction.atomic
def tag_expire_permanently(
    *, actor: User | None, repository: Repository, name: str, manifest_digest: str | None, alive: bool
) -> int:
    """Quay's "remove from the time machine": the live tag (``alive``) or its ended rows that
    pointed to ``manifest_digest`` end before the window, so GC may delete them now."""
    _expire_permanently_allowed()
    _lock_for_tag_change(actor=actor, repository=repository)
    now = timezone.now()
    if alive:
        rows = Tag.objects.filter(tag_active_q(now), repository=repository, name=name)
    else:
        if not manifest_digest:
            raise InvalidInput("manifest_digest required when is_alive set to false")
        rows = Tag.objects.filter(
            _restorable_q(now, repository), repository=repository, name=name, manifest__digest=manifest_digest
        )
    digests = sorted(set(rows.values_list("manifest__digest", flat=True)))
    updated = Tag.objects.filter(pk__in=list(rows.values_list("pk", flat=True))).update(
        end=now - time_machine_window(repository.namespace)
    )
    if not updated:
        raise NotFound(f"no such tag {name!r} in the time machine of {repository}")
    _audit("permanently_delete_tag", actor, repository, tag=name, manifest_digest=digests[0])
    if alive:
        _tags_ended(repository, name, actor.pk if actor else None)
    return updated


@transaction.atomic
def tags_delete_by_system(*, repository_id: int, names: Collection[str], pushed_by: datetime) -> list[str]:
    """A system actor's delete (the auto-pruner's): ends the live rows of ``names`` that were
    pushed no later than ``pushed_by`` (when the caller read them, so a tag moved since stays),
    into the time machine as the API's delete does. No permission check and no audit row: the
    caller audits in this transaction. A repository that left NORMAL, or the registry in
    read-only mode, keeps its tags. Returns the names ended."""
    if registry_read_only() or not names:
        return []
    repository = repository_lock(repository_id=repository_id)
    if repository is None or repository.state != Repository.State.NORMAL:
        return []
    now = timezone.now()
    rows = Tag.objects.filter(
        tag_active_q(now), repository_id=repository_id, name__in=list(names), start__lte=pushed_by
    )
    ended = dict(rows.values_list("pk", "name"))
    if not ended:
        return []
    Tag.objects.filter(pk__in=list(ended)).update(end=now)
    gc_due_mark(repository_id=repository_id)
    ended_names = tuple(sorted(set(ended.values())))
    hooks.hooks_run(hooks.after_tag_delete, hooks.TagsEnded(repository, ended_names, None))
    return list(ended_names)
