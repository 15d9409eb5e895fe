"""Online garbage collection: the run over repositories and blobs, its report, and its job.

A run visits repositories one at a time (gc_repository), then the blobs nothing references
any more (gc_blobs); each step is its own small transaction, so pushes and pulls go on. Several
workers may run at once: each claims one repository row at a time and skips those another holds.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from quaysite.jobs import enqueue
from registry.models import GCRun, Repository
from registry.services.gc_blobs import gc_blobs_collect, gc_blobs_plan
from registry.services.gc_due import repositories_gc_due
from registry.services.gc_repository import (
    GCCounts,
    RepositoryBusy,
    gc_repository_collect,
    gc_repository_plan,
    manifests_kept,
)

logger = logging.getLogger(__name__)

# What one run visits at most; the next full run goes on after the last repository visited, so a
# registry with more is covered over several runs.
GC_REPOSITORIES_PER_RUN = 100_000
GC_RUN_SECONDS = 600

REPORTED_COUNTS = (
    "repositories",
    "repositories_skipped",
    "tags_deleted",
    "manifests_deleted",
    "blob_links_deleted",
    "blobs_deleted",
    "bytes_reclaimed",
    "repositories_failed",
    "storage_errors",
)


def gc_grace() -> timedelta:
    """How long an unreferenced upload, mount or untagged manifest is kept for a push in progress."""
    return timedelta(seconds=settings.PUSH_TEMP_TAG_EXPIRATION_SEC)


def _repository_ids(repository: Repository | None) -> list[int]:
    """The one repository, or every one starting after where the last full run stopped."""
    if repository is not None:
        return [repository.pk]
    previous = (
        GCRun.objects.filter(repository_name="", dry_run=False, last_repository_id__isnull=False)
        .order_by("-started")
        .values_list("last_repository_id", flat=True)
        .first()
    ) or 0
    ids = Repository.objects.order_by("pk").values_list("pk", flat=True)
    after = list(ids.filter(pk__gt=previous)[:GC_REPOSITORIES_PER_RUN])
    return after + list(ids.filter(pk__lte=previous)[: GC_REPOSITORIES_PER_RUN - len(after)])


def _collect(repository_ids: list[int], grace: timedelta, counts: GCCounts, *, whole_registry: bool) -> None:
    deadline = time.monotonic() + GC_RUN_SECONDS
    for repository_id in repository_ids:
        if time.monotonic() > deadline:
            break
        try:
            gc_repository_collect(repository_id=repository_id, grace=grace, counts=counts)
        except RepositoryBusy:
            counts.repositories_skipped += 1
        except Exception:
            # One repository GC cannot handle must not stop the run for every other one.
            logger.exception("GC of repository %s failed; it is retried on the next run", repository_id)
            counts.repositories_failed += 1
        counts.last_repository_id = repository_id
    # A run over one repository looks only at the blobs it unlinked; a full run at every orphan.
    gc_blobs_collect(grace=grace, counts=counts, only=None if whole_registry else counts.unlinked_blob_ids)


def _plan(repository_ids: list[int], grace: timedelta, counts: GCCounts) -> None:
    dead_links: list[int] = []
    dead_manifests: list[int] = []
    now = timezone.now()
    for repository in Repository.objects.filter(pk__in=repository_ids).select_related("namespace"):
        dead_links += gc_repository_plan(repository=repository, grace=grace, counts=counts)
        kept = manifests_kept(repository=repository, now=now, grace=grace)
        dead_manifests += [pk for pk in repository.manifests.values_list("pk", flat=True) if pk not in kept]
    gc_blobs_plan(grace=grace, counts=counts, dead_links=dead_links, dead_manifests=dead_manifests)


def gc_run(*, dry_run: bool = False, repository: Repository | None = None, blobs_only: bool = False) -> GCRun:
    """Collects garbage in one repository or the whole registry, or with ``blobs_only`` just the
    blobs nothing references; with ``dry_run`` only lists it. Returns the run's stored report."""
    run = GCRun.objects.create(dry_run=dry_run, repository_name=str(repository) if repository else "")
    counts = GCCounts()
    grace = gc_grace()
    repository_ids = [] if blobs_only else _repository_ids(repository)
    if dry_run:
        _plan(repository_ids, grace, counts)
    else:
        _collect(repository_ids, grace, counts, whole_registry=repository is None)
    _report(run, counts)
    return run


def gc_run_due() -> GCRun | None:
    """The periodic pass: only repositories due (registry.services.gc_due), then the blobs they
    unlinked. With nothing due it costs one indexed query and stores no report."""
    repository_ids = repositories_gc_due(now=timezone.now(), limit=GC_REPOSITORIES_PER_RUN)
    if not repository_ids:
        return None
    run = GCRun.objects.create(dry_run=False, repository_name="")
    counts = GCCounts()
    _collect(repository_ids, gc_grace(), counts, whole_registry=False)
    # Not a full run's position: the next full run must not continue from here.
    counts.last_repository_id = None
    _report(run, counts)
    return run


def _report(run: GCRun, counts: GCCounts) -> None:
    for name in REPORTED_COUNTS:
        setattr(run, name, getattr(counts, name))
    run.would_delete = counts.would_delete if run.dry_run else []
    run.last_repository_id = counts.last_repository_id
    run.finished = timezone.now()
    run.save()
    logger.info(
        "GC%s %s: %s in %.2fs",
        " dry run" if run.dry_run else "",
        run.repository_name or "all repositories",
        ", ".join(f"{name}={getattr(counts, name)}" for name in REPORTED_COUNTS),
        (run.finished - run.started).total_seconds(),
    )


def gc_repository_enqueue(repository: Repository) -> None:
    """Queues a collection of one repository on the ``gc`` queue (after the current commit)."""
    gc_enqueue(repository=repository)


def gc_enqueue(*, repository: Repository | None = None, dry_run: bool = False) -> None:
    """Queues a run over one repository or the whole registry on the ``gc`` queue."""
    from registry.tasks import gc_repository_task, gc_run_task

    if repository is not None:
        enqueue(gc_repository_task, repository.pk, dry_run=dry_run, queue="gc")
    else:
        enqueue(gc_run_task, dry_run=dry_run, queue="gc")


def gc_blobs_enqueue() -> None:
    """Queues a collection of unreferenced blobs, e.g. after a repository's rows were deleted."""
    from registry.tasks import gc_blobs_task

    enqueue(gc_blobs_task, queue="gc")
