"""Garbage collection inside one repository: garbage tag rows, unreachable manifests, unused links.

Every step is a small transaction that first claims the repository row with
``SELECT ... FOR UPDATE SKIP LOCKED`` (plain on SQLite, whose write transactions already run one
at a time). The claim is what makes GC safe beside pushes: a manifest PUT and every tag write
hold the same row lock, so while GC decides what is reachable and deletes the rest, no manifest
or tag of this repository changes, and a PUT that comes after sees exactly what GC left.
A repository someone else holds is skipped, and picked up on the next run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from orgs.services.namespaces import time_machine_window
from registry import hooks
from registry.models import Manifest, ManifestBlob, ManifestChild, Repository, RepositoryBlob, Tag
from registry.services.gc_due import gc_due_mark, gc_due_set_after_visit, gc_due_visit_start
from registry.services.repository_locks import repository_lock
from registry.tag_liveness import tag_active_q

# Rows per transaction: small enough that a push waits milliseconds for the repository lock.
GC_BATCH_SIZE = 500
# What a dry run lists by name; the counts stay exact beyond it.
DRY_RUN_LISTED = 1000

T = TypeVar("T")


@dataclass
class GCCounts:
    repositories: int = 0
    repositories_skipped: int = 0
    repositories_failed: int = 0
    tags_deleted: int = 0
    manifests_deleted: int = 0
    blob_links_deleted: int = 0
    blobs_deleted: int = 0
    bytes_reclaimed: int = 0
    storage_errors: int = 0
    would_delete: list[str] = field(default_factory=list)
    # Blobs that lost a link in this run: a run over one repository looks at these only.
    unlinked_blob_ids: set[int] = field(default_factory=set)
    last_repository_id: int | None = None

    def list_name(self, name: str) -> None:
        if len(self.would_delete) < DRY_RUN_LISTED:
            self.would_delete.append(name)


class RepositoryBusy(Exception):
    """Another worker, or a push, holds the repository row; try it on a later run."""


def _repository_claim(repository_id: int) -> Repository | None:
    """Locks the repository row for this transaction; None when it is gone; raises when busy."""
    if not Repository.objects.filter(pk=repository_id).exists():
        return None
    repository = repository_lock(repository_id=repository_id, skip_locked=True)
    if repository is None:
        raise RepositoryBusy(repository_id)
    return repository


def _claimed_step(repository_id: int, step: Callable[[Repository, datetime], T]) -> T | None:
    with transaction.atomic():
        repository = _repository_claim(repository_id)
        if repository is None:
            return None
        return step(repository, timezone.now())


def manifests_kept(
    *, repository: Repository, now: datetime, grace: timedelta, every_tag_row: bool = False
) -> set[int]:
    """Manifests GC must keep: those a non-garbage tag row (``every_tag_row``: any tag row)
    points to, those pushed within the grace period (an index's children and referrers arrive
    before, or without, a tag), and all that a kept index names or that refer to a kept
    manifest, transitively."""
    kept_tags = Tag.objects.filter(repository=repository)
    if not every_tag_row:
        # A row not yet garbage is one that was still live at the window's start.
        kept_tags = kept_tags.filter(tag_active_q(now - time_machine_window(repository.namespace)))
    roots = set(kept_tags.values_list("manifest_id", flat=True))
    roots |= set(
        Manifest.objects.filter(repository=repository, created__gt=now - grace).values_list("pk", flat=True)
    )
    digests: dict[int, str] = {}
    referrers: dict[str, list[int]] = defaultdict(list)
    for pk, digest, subject, deleted in Manifest.objects.filter(repository=repository).values_list(
        "pk", "digest", "subject_digest", "deleted"
    ):
        digests[pk] = digest
        # A referrer deleted by digest (a revoked signature) stays only while a tag row keeps it.
        if subject and deleted is None:
            referrers[subject].append(pk)
    children: dict[int, list[int]] = defaultdict(list)
    for parent, child in ManifestChild.objects.filter(manifest__repository=repository).values_list(
        "manifest_id", "child_id"
    ):
        children[parent].append(child)
    kept, frontier = set(), [pk for pk in roots if pk in digests]
    # Each manifest enters the frontier at most once: the walk ends after len(digests) steps.
    while frontier:
        pk = frontier.pop()
        if pk in kept:
            continue
        kept.add(pk)
        frontier.extend(children[pk])
        frontier.extend(referrers[digests[pk]])
    return kept


def _tags_garbage(repository: Repository, now: datetime) -> Q:
    return Q(repository=repository, end__lte=now - time_machine_window(repository.namespace))


def _manifests_unreachable(
    repository: Repository, now: datetime, grace: timedelta, *, every_tag_row: bool = False
) -> list[int]:
    kept = manifests_kept(repository=repository, now=now, grace=grace, every_tag_row=every_tag_row)
    every = Manifest.objects.filter(repository=repository).order_by("pk").values_list("pk", flat=True)
    return [pk for pk in every if pk not in kept]


def _links_unused(repository: Repository, now: datetime, grace: timedelta, dead: list[int]) -> QuerySet:
    """Links no manifest of the repository (other than the ``dead`` ones) references, and that
    no upload or mount renewed within the grace period."""
    referenced = ManifestBlob.objects.filter(manifest__repository=repository).exclude(manifest_id__in=dead)
    return (
        RepositoryBlob.objects.filter(repository=repository, touched__lt=now - grace)
        .exclude(blob_id__in=referenced.values("blob_id"))
        .order_by("pk")
    )


def _tags_delete_batch(repository: Repository, now: datetime, counts: GCCounts) -> int:
    batch = list(Tag.objects.filter(_tags_garbage(repository, now)).order_by("pk")[:GC_BATCH_SIZE])
    Tag.objects.filter(pk__in=[tag.pk for tag in batch]).delete()
    counts.tags_deleted += len(batch)
    return len(batch)


def _manifests_delete_batch(repository: Repository, now: datetime, grace: timedelta, counts: GCCounts) -> int:
    # Every tag row left, not just those live at the window's start: the tag step deleted the
    # garbage ones, so any other is a tag that ended after it, whose manifest (and what that
    # reaches) cannot go before the row; its change made the repository due for the next visit.
    batch = _manifests_unreachable(repository, now, grace, every_tag_row=True)[:GC_BATCH_SIZE]
    if batch:
        sizes = tuple(Manifest.objects.filter(pk__in=batch).order_by("pk").values_list("pk", "size"))
        hooks.hooks_run(hooks.before_manifest_delete, hooks.ManifestsDeleting(repository, sizes))
    # A kept index keeps its children, so every parent of an unreachable manifest is unreachable
    # too: dropping these links only ever unlinks garbage from garbage.
    ManifestChild.objects.filter(Q(manifest_id__in=batch) | Q(child_id__in=batch)).delete()
    # Cascades to the manifests' blob references and labels.
    Manifest.objects.filter(pk__in=batch).delete()
    counts.manifests_deleted += len(batch)
    return len(batch)


def _links_delete_batch(repository: Repository, now: datetime, grace: timedelta, counts: GCCounts) -> int:
    unused = _links_unused(repository, now, grace, [])
    batch = list(unused.values_list("pk", "blob_id", "blob__size")[:GC_BATCH_SIZE])
    # The condition again in the DELETE: an upload or mount that renewed a link since the
    # SELECT (they do not take the repository lock) keeps it.
    deleted, _ = unused.filter(pk__in=[pk for pk, _, _ in batch]).delete()
    counts.blob_links_deleted += deleted
    counts.unlinked_blob_ids.update(blob_id for _, blob_id, _ in batch)
    if deleted:
        renewed = set(
            RepositoryBlob.objects.filter(pk__in=[pk for pk, _, _ in batch]).values_list("pk", flat=True)
        )
        gone = tuple((blob_id, size) for pk, blob_id, size in batch if pk not in renewed)
        hooks.hooks_run(hooks.after_blob_delete, hooks.BlobsDeleted(repository.pk, gone))
    return len(batch)


def _until_done(repository_id: int, step: Callable[[Repository, datetime], int], rows: int) -> None:
    """Repeats a batch step until it deletes nothing; ``rows`` bounds the number of rounds."""
    for _ in range(rows // GC_BATCH_SIZE + 2):
        if not _claimed_step(repository_id, step):
            return


def gc_repository_collect(*, repository_id: int, grace: timedelta, counts: GCCounts) -> None:
    """Deletes the repository's garbage; raises RepositoryBusy if a step found it locked."""
    repository = Repository.objects.filter(pk=repository_id)
    tag_rows = Tag.objects.filter(repository__in=repository).count()
    manifest_rows = Manifest.objects.filter(repository__in=repository).count()
    link_rows = RepositoryBlob.objects.filter(repository__in=repository).count()
    visiting = _claimed_step(repository_id, lambda r, now: gc_due_visit_start(repository=r, now=now))
    if visiting is None:
        return
    try:
        _until_done(repository_id, lambda r, now: _tags_delete_batch(r, now, counts), tag_rows)
        _until_done(
            repository_id, lambda r, now: _manifests_delete_batch(r, now, grace, counts), manifest_rows
        )
        _until_done(repository_id, lambda r, now: _links_delete_batch(r, now, grace, counts), link_rows)
        # Last, and under the claim: what is left decides when this repository is due again.
        _claimed_step(
            repository_id,
            lambda r, now: gc_due_set_after_visit(repository=r, now=now, grace=grace, visiting=visiting),
        )
    except Exception:
        # A visit cut short (the repository busy, a failure) is due again on the next pass.
        gc_due_mark(repository_id=repository_id)
        raise
    counts.repositories += 1


def gc_repository_plan(*, repository: Repository, grace: timedelta, counts: GCCounts) -> list[int]:
    """A dry run: counts and lists what the collection would delete; returns the link ids."""
    now = timezone.now()
    garbage_tags = Tag.objects.filter(_tags_garbage(repository, now)).select_related("manifest")
    for tag in garbage_tags.order_by("pk"):
        counts.tags_deleted += 1
        counts.list_name(
            f"tag {repository}:{tag.name}@{tag.manifest.digest} (ended {tag.end:%Y-%m-%dT%H:%M:%SZ})"
        )
    dead = _manifests_unreachable(repository, now, grace)
    for digest in Manifest.objects.filter(pk__in=dead).order_by("pk").values_list("digest", flat=True):
        counts.manifests_deleted += 1
        counts.list_name(f"manifest {repository}@{digest}")
    links = list(_links_unused(repository, now, grace, dead).values_list("pk", "blob__digest"))
    for _, digest in links:
        counts.blob_links_deleted += 1
        counts.list_name(f"blob link {repository}@{digest}")
    counts.repositories += 1
    return [pk for pk, _ in links]
