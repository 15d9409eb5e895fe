"""Garbage collection of blobs: rows that nothing references, then their bytes.

A blob goes when no repository links it, no manifest references it, and it is older than the
grace period. The bytes are deleted only after the row deletion committed, so no committed row
ever names missing bytes.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from registry import hooks
from registry.models import Blob, BlobPlacement, ManifestBlob, RepositoryBlob
from registry.services.blob_locks import blob_deletion_lock
from registry.services.gc_repository import GCCounts
from registry.storage import storage_for
from registry.storage.paths import blob_path

logger = logging.getLogger(__name__)

# Bounds one run's scan for orphans; the next run continues with the rest.
BLOB_SCAN_LIMIT = 100_000
# Blobs per transaction: on SQLite the batch's storage deletes run inside its write lock.
BLOB_BATCH_SIZE = 100


def blobs_unreferenced(
    *, cutoff: datetime, dead_links: Iterable[int] = (), dead_manifests: Iterable[int] = ()
) -> QuerySet:
    """Blobs older than ``cutoff`` that no link and no manifest references, ignoring the
    ``dead_*`` rows (which a dry run counts as already deleted)."""
    links = RepositoryBlob.objects.filter(blob=OuterRef("pk")).exclude(pk__in=list(dead_links))
    manifests = ManifestBlob.objects.filter(blob=OuterRef("pk")).exclude(manifest_id__in=list(dead_manifests))
    return Blob.objects.filter(created__lt=cutoff).exclude(Exists(links)).exclude(Exists(manifests))


def _blob_rows_delete(blob_ids: list[int], cutoff: datetime) -> list[tuple[str, int, list[str]]]:
    """Deletes the rows of those blobs still unreferenced; returns what their bytes need.

    The re-check runs after the deletion locks were taken, so it sees every reference a push
    committed before; a push that comes later waits for the lock and then finds no blob."""
    with transaction.atomic():
        blobs = list(
            blobs_unreferenced(cutoff=cutoff).filter(pk__in=blob_ids).values_list("pk", "digest", "size")
        )
        locations: dict[int, list[str]] = defaultdict(list)
        for blob_id, location in BlobPlacement.objects.filter(blob_id__in=[b[0] for b in blobs]).values_list(
            "blob_id", "location"
        ):
            locations[blob_id].append(location)
        BlobPlacement.objects.filter(blob_id__in=list(locations)).delete()
        Blob.objects.filter(pk__in=[b[0] for b in blobs]).delete()
        if blobs:
            gone = tuple((blob_id, size) for blob_id, _, size in blobs)
            hooks.hooks_run(hooks.after_blob_delete, hooks.BlobsDeleted(None, gone))
    return [(digest, size, locations[blob_id]) for blob_id, digest, size in blobs]


def _blob_bytes_delete(digest: str, locations: list[str], counts: GCCounts) -> None:
    for location in locations:
        try:
            storage_for(location).delete(blob_path(digest))
        except Exception:
            # The row is gone, so nothing can reach these bytes: an orphan, never a broken pull.
            logger.exception("GC could not delete %s from %s; its bytes stay orphaned", digest, location)
            counts.storage_errors += 1


def blobs_collect(*, blob_ids: list[int], cutoff: datetime, counts: GCCounts) -> None:
    """Deletes those of the blobs that are still garbage: rows first, then bytes."""
    digests = dict(Blob.objects.filter(pk__in=blob_ids).values_list("pk", "digest"))
    with blob_deletion_lock(list(digests.values())) as held:
        # A blob a push is relying on right now is left; if it is still garbage, the next run takes it.
        deleted = _blob_rows_delete([pk for pk, digest in digests.items() if digest in held], cutoff)
        # Still under the locks: no push can store these bytes again before they are gone.
        for digest, size, locations in deleted:
            _blob_bytes_delete(digest, locations, counts)
            counts.blobs_deleted += 1
            counts.bytes_reclaimed += size


def gc_blobs_collect(*, grace: timedelta, counts: GCCounts, only: Iterable[int] | None = None) -> None:
    """Collects unreferenced blobs: those in ``only``, or every one in the registry."""
    cutoff = timezone.now() - grace
    if only is not None:
        candidates = sorted(set(only))
    else:
        candidates = list(
            blobs_unreferenced(cutoff=cutoff).order_by("pk").values_list("pk", flat=True)[:BLOB_SCAN_LIMIT]
        )
    for start in range(0, len(candidates), BLOB_BATCH_SIZE):
        blobs_collect(blob_ids=candidates[start : start + BLOB_BATCH_SIZE], cutoff=cutoff, counts=counts)


def gc_blobs_plan(
    *, grace: timedelta, counts: GCCounts, dead_links: list[int], dead_manifests: list[int]
) -> None:
    cutoff = timezone.now() - grace
    unreferenced = blobs_unreferenced(cutoff=cutoff, dead_links=dead_links, dead_manifests=dead_manifests)
    for digest, size in unreferenced.order_by("pk").values_list("digest", "size")[:BLOB_SCAN_LIMIT]:
        counts.blobs_deleted += 1
        counts.bytes_reclaimed += size
        counts.list_name(f"blob {digest} ({size} bytes)")
