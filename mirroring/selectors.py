"""Reads of mirror configurations."""

from __future__ import annotations

from django.db.models import Count, Sum

from mirroring.errors import MirrorNotFound
from mirroring.models import RepositoryMirror
from registry.models import Repository


def mirror_get(*, repository: Repository) -> RepositoryMirror:
    mirror = RepositoryMirror.objects.select_related("robot").filter(repository=repository).first()
    if mirror is None:
        raise MirrorNotFound(f"no mirror configuration for the repository {repository}")
    return mirror


def mirror_status_counts() -> dict[str, int]:
    rows = RepositoryMirror.objects.values_list("sync_status").annotate(count=Count("id")).order_by()
    return {status: count for status, count in rows}


def mirror_progress_syncing() -> tuple[int, int]:
    """The syncs running now: tags synced and bytes copied so far, all of them together."""
    totals = RepositoryMirror.objects.filter(sync_status=RepositoryMirror.SyncStatus.SYNCING).aggregate(
        tags=Sum("tags_synced"), bytes=Sum("bytes_copied")
    )
    return totals["tags"] or 0, totals["bytes"] or 0
