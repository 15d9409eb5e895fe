"""Background jobs of the registry core: thin wrappers over services, enqueued by quaysite.jobs."""

from __future__ import annotations

from registry.models import Repository
from registry.services.gc import gc_run, gc_run_due
from registry.services.replication import replication_run
from registry.services.upload_cleanup import uploads_stale_cleanup


def replication_run_task() -> int:
    return replication_run()


def uploads_stale_cleanup_task() -> int:
    return uploads_stale_cleanup()


def gc_run_task(dry_run: bool = False) -> int:
    return gc_run(dry_run=dry_run).pk


def gc_due_task() -> int | None:
    run = gc_run_due()
    return run.pk if run is not None else None


def gc_blobs_task() -> int:
    return gc_run(blobs_only=True).pk


def gc_repository_task(repository_id: int, dry_run: bool = False) -> int | None:
    repository = Repository.objects.filter(pk=repository_id).select_related("namespace").first()
    # Deleted since it was queued: its rows went with it, and a full run takes its blobs.
    return gc_run(repository=repository, dry_run=dry_run).pk if repository is not None else None
