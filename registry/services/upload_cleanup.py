"""Stale uploads: an upload nobody has touched for long is abandoned; drop its row and segments.

Safe to run on several workers at once: on PostgreSQL each batch claims its rows with
``SELECT ... FOR UPDATE SKIP LOCKED``, so two runs split the work instead of sharing it. SQLite
has no row locks, but our SQLite transactions begin IMMEDIATE, so batches there run one at a time
and a second run finds the rows already gone.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from registry.models import BlobUpload
from registry.services.uploads import upload_cancel

logger = logging.getLogger(__name__)

# Quay expires abandoned uploads after 2 days; distribution's purge default is a week. Like Quay,
# 2 days: long enough for any real push to resume, short enough not to hoard storage.
STALE_UPLOAD_AGE = timedelta(days=2)

# Small batches keep row locks (and, on SQLite, the write lock) short while storage deletes run.
CLEANUP_BATCH_SIZE = 50


def uploads_stale_cleanup(*, older_than: timedelta = STALE_UPLOAD_AGE) -> int:
    """Deletes uploads not updated for longer than ``older_than``; returns how many it removed."""
    cutoff = timezone.now() - older_than
    removed = 0
    after_pk = 0
    while True:
        batch_removed, last_pk = _stale_batch_remove(cutoff=cutoff, after_pk=after_pk)
        if last_pk is None:
            return removed
        removed += batch_removed
        after_pk = last_pk


def _stale_batch_remove(*, cutoff: datetime, after_pk: int) -> tuple[int, int | None]:
    """Removes one batch past ``after_pk``; returns the count and the batch's last pk, or None."""
    with transaction.atomic():
        stale = BlobUpload.objects.filter(updated__lt=cutoff, pk__gt=after_pk).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            # Rows another run holds are its to remove; skip them rather than wait.
            stale = stale.select_for_update(skip_locked=True)
        batch = list(stale[:CLEANUP_BATCH_SIZE])
        removed = sum(_stale_upload_remove(upload) for upload in batch)
    return removed, (batch[-1].pk if batch else None)


def _stale_upload_remove(upload: BlobUpload) -> bool:
    # Row and segments go in one savepoint: if storage fails, the row stays for the next run
    # instead of leaving segments no row points to.
    try:
        with transaction.atomic():
            upload_cancel(upload=upload)
    except Exception:
        # One unreachable storage location must not stop the cleanup of every other upload.
        logger.exception("could not remove stale upload %s; will retry on the next run", upload.uuid)
        return False
    return True
