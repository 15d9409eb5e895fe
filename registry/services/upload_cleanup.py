"""Stale uploads: an upload nobody has touched for long is abandoned; drop its row and segments.

Safe to run on several workers at once: on PostgreSQL each batch claims its rows with
``SELECT ... FOR UPDATE SKIP LOCKED``, so two runs split the work instead of sharing it. SQLite
has no row locks, but our SQLite transactions begin IMMEDIATE, so batches there run one at a time
and a second run finds the rows already gone.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from registry.models import BlobUpload
from registry.services.uploads import upload_discard
from registry.storage import storage_for

logger = logging.getLogger(__name__)


def stale_upload_age() -> timedelta:
    """BLOBUPLOAD_DELETION_DATE_THRESHOLD days, as in Quay (2 by default; distribution's purge
    waits a week): long enough for any real push to resume, short enough not to hoard storage."""
    return timedelta(days=settings.BLOBUPLOAD_DELETION_DATE_THRESHOLD)


# Small batches keep row locks (and, on SQLite, the write lock) short while storage deletes run.
CLEANUP_BATCH_SIZE = 50


def uploads_stale_cleanup(*, older_than: timedelta | None = None) -> int:
    """Deletes uploads not updated for longer than ``older_than`` (default: the configured age),
    then the partial writes the storage still holds from as long ago (S3 multipart uploads a
    crashed server never completed); returns how many upload sessions it removed."""
    older_than = stale_upload_age() if older_than is None else older_than
    cutoff = timezone.now() - older_than
    removed = 0
    after_pk = 0
    while True:
        batch_removed, last_pk = _stale_batch_remove(cutoff=cutoff, after_pk=after_pk)
        if last_pk is None:
            break
        removed += batch_removed
        after_pk = last_pk
    partial_writes_abort(older_than=older_than)
    return removed


def partial_writes_abort(*, older_than: timedelta) -> int:
    """Aborts, in every storage location, writes started longer ago than ``older_than`` and never
    finished; returns how many."""
    aborted = 0
    for location in settings.STORAGE_CONFIG:
        try:
            aborted += storage_for(location).partial_writes_abort(older_than=older_than)
        except Exception:
            logger.exception("could not abort partial writes in %s; will retry on the next run", location)
    if aborted:
        logger.info("aborted %d abandoned partial writes", aborted)
    return aborted


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
            upload_discard(upload=upload)
    except Exception:
        # One unreachable storage location must not stop the cleanup of every other upload.
        logger.exception("could not remove stale upload %s; will retry on the next run", upload.uuid)
        return False
    return True
