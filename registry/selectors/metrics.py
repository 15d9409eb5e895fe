"""What a /metrics scrape reads from the database: one aggregate query per family."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Max, Sum

from registry.models import BlobUpload, GCRun


@dataclass(frozen=True)
class GCTotals:
    runs_finished: int
    runs_unfinished: int
    blobs_deleted: int
    bytes_reclaimed: int
    manifests_deleted: int
    tags_deleted: int
    storage_errors: int
    last_finished: float | None


def uploads_open_count() -> int:
    return BlobUpload.objects.count()


def gc_totals() -> GCTotals:
    totals = GCRun.objects.aggregate(
        runs_all=Count("id"),
        runs_done=Count("finished"),
        blobs=Sum("blobs_deleted"),
        bytes=Sum("bytes_reclaimed"),
        manifests=Sum("manifests_deleted"),
        tags=Sum("tags_deleted"),
        errors=Sum("storage_errors"),
        last=Max("finished"),
    )
    return GCTotals(
        runs_finished=totals["runs_done"],
        runs_unfinished=totals["runs_all"] - totals["runs_done"],
        blobs_deleted=totals["blobs"] or 0,
        bytes_reclaimed=totals["bytes"] or 0,
        manifests_deleted=totals["manifests"] or 0,
        tags_deleted=totals["tags"] or 0,
        storage_errors=totals["errors"] or 0,
        last_finished=totals["last"].timestamp() if totals["last"] else None,
    )


def database_connections_by_state() -> dict[str, int]:
    """PostgreSQL's sessions on this database by state (active, idle, idle in transaction):
    every instance's connections, which is what the server's max_connections bounds."""
    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(state, 'unknown'), count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() GROUP BY 1"
        )
        return {state: count for state, count in cursor.fetchall()}
