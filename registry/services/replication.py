"""Geo-replication: copies each blob to every location it must reach, in the background.

A push records its blob in the location it wrote and queues one ``BlobReplication`` row per
required location still missing (``replication_queue``); the rows live in the database, so a
restart or a dead worker loses none. A worker claims due rows (SKIP LOCKED, then a lease in
``next_attempt``), streams each blob from the nearest location holding it into the target while
hashing it, and records the new placement only when the digest matched; a failed copy (the
source not yet visible, a target down) is retried with a doubling delay. Copying is idempotent:
a target that already holds the bytes is recorded without a second copy.

GC and replication meet at the placement: the copy's placement is recorded under the blob's
reference guard (registry.services.blob_locks), after GC's deletion lock; a blob GC deleted
meanwhile is found gone, and the copy just written is deleted again.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from quaysite.jobs import enqueue
from registry.digests import ResumableHash, digest_algorithm
from registry.models import Blob, BlobPlacement, BlobReplication
from registry.selectors.placement import (
    blobs_missing_locations,
    locations_by_preference,
    namespace_locations,
    required_for_namespace,
)
from registry.services.blob_locks import blob_reference_guard
from registry.storage import storage_for
from registry.storage.base import COPY_CHUNK, PathNotFound
from registry.storage.paths import blob_path

logger = logging.getLogger(__name__)

# A claimed row is another worker's again after this: longer than any one copy should take.
CLAIM_LEASE = timedelta(minutes=15)
RETRY_MAX = timedelta(hours=1)
CLAIM_BATCH = 10
# One job's budget, so a worker returns to its other queues; the next poll goes on.
RUN_BUDGET_SECONDS = 120.0


class ReplicationFailed(Exception):
    pass


def replication_queue(*, blob: Blob, namespace_id: int) -> int:
    """Queues the copies the namespace's link to the blob requires; returns how many are new."""
    required = required_for_namespace(namespace_locations(namespace_id=namespace_id))
    if not required:
        return 0
    # Only this namespace's set: the other namespaces' links queued theirs when they were made.
    placed = BlobPlacement.objects.filter(blob=blob).values_list("location", flat=True)
    queued = BlobReplication.objects.filter(blob=blob).values_list("location", flat=True)
    missing = required - set(placed.union(queued))
    if not missing:
        return 0
    BlobReplication.objects.bulk_create(
        [BlobReplication(blob=blob, location=location) for location in sorted(missing)], ignore_conflicts=True
    )
    _run_enqueue()
    return len(missing)


def _run_enqueue() -> None:
    # Here, not at the top: registry.tasks imports this module.
    from registry.tasks import replication_run_task

    enqueue(replication_run_task)


def replication_queue_missing(
    *, blob_ids: list[int], only: set[str] | None = None, run_now: bool = True
) -> int:
    """Queues every required copy the blobs lack; with ``run_now`` a replication run too, enqueued
    on commit (without it, the periodic run takes them)."""
    missing = blobs_missing_locations(blob_ids=blob_ids)
    rows = [
        BlobReplication(blob_id=blob_id, location=location)
        for blob_id, locations in missing.items()
        for location in sorted(locations if only is None else locations & only)
    ]
    if not rows:
        return 0
    BlobReplication.objects.bulk_create(rows, ignore_conflicts=True)
    if run_now:
        _run_enqueue()
    return len(rows)


@dataclass(frozen=True)
class Claim:
    pk: int
    blob_id: int
    location: str
    attempts: int


def replication_claim(*, limit: int = CLAIM_BATCH, lease: timedelta = CLAIM_LEASE) -> list[Claim]:
    """Takes up to ``limit`` due rows for this worker until the lease ends."""
    now = timezone.now()
    with transaction.atomic():
        due = list(
            BlobReplication.objects.select_for_update(skip_locked=True)
            .filter(next_attempt__lte=now)
            .order_by("next_attempt", "pk")
            .values_list("pk", "blob_id", "location", "attempts", "next_attempt")[:limit]
        )
        claims = []
        for pk, blob_id, location, attempts, next_attempt in due:
            # Conditional on the value read: on SQLite, which has no row locks, two workers
            # reading the same row cannot both claim it.
            if BlobReplication.objects.filter(pk=pk, next_attempt=next_attempt).update(
                next_attempt=now + lease, attempts=F("attempts") + 1
            ):
                claims.append(Claim(pk, blob_id, location, attempts + 1))
    return claims


def retry_delay(attempts: int) -> timedelta:
    base = timedelta(seconds=settings.REPLICATION_RETRY_SECONDS)
    return min(base * 2 ** max(0, attempts - 1), RETRY_MAX)


def blob_copy(*, digest: str, size: int, source: str, target: str) -> None:
    """Streams the blob from source to target, hashing as it goes; nothing lands on a mismatch."""
    path = blob_path(digest)
    hasher = ResumableHash(digest_algorithm(digest))
    with storage_for(source).open(path) as stream, storage_for(target).writer(path) as writer:
        while chunk := stream.read(COPY_CHUNK):
            hasher.update(chunk)
            writer.write(chunk)
        actual = hasher.digest()
        if actual != digest or writer.size != size:
            raise ReplicationFailed(f"read {writer.size} bytes of {digest} from {source} as {actual}")
        writer.commit()


def _target_holds(target: str, digest: str, size: int) -> bool:
    try:
        return storage_for(target).stat(blob_path(digest)).size == size
    except PathNotFound:
        return False


def _placement_record(claim: Claim, digest: str) -> bool:
    """Records the copy; False when GC deleted the blob meanwhile (the copy is deleted too)."""
    with transaction.atomic():
        blob_reference_guard(digest)
        if Blob.objects.filter(pk=claim.blob_id).exists():
            BlobPlacement.objects.bulk_create(
                [BlobPlacement(blob_id=claim.blob_id, location=claim.location)], ignore_conflicts=True
            )
            BlobReplication.objects.filter(pk=claim.pk).delete()
            return True
        # A push of the same digest since then may have stored these very bytes here.
        if not BlobPlacement.objects.filter(blob__digest=digest, location=claim.location).exists():
            storage_for(claim.location).delete(blob_path(digest))
        return False


def replication_copy(*, claim: Claim) -> bool:
    """Makes the claimed copy; True when the blob is now placed in the claimed location."""
    blob = Blob.objects.filter(pk=claim.blob_id).values_list("digest", "size").first()
    if blob is None:
        return False
    digest, size = blob
    placed = list(BlobPlacement.objects.filter(blob_id=claim.blob_id).values_list("location", flat=True))
    if claim.location not in placed:
        if not placed:
            raise ReplicationFailed(f"{digest} is placed nowhere yet")
        if not _target_holds(claim.location, digest, size):
            sources = locations_by_preference(placed)
            blob_copy(digest=digest, size=size, source=sources[0], target=claim.location)
    return _placement_record(claim, digest)


def _failure_record(claim: Claim, error: Exception) -> None:
    BlobReplication.objects.filter(pk=claim.pk).update(
        next_attempt=timezone.now() + retry_delay(claim.attempts),
        last_error=f"{type(error).__name__}: {error}"[:2000],
    )


def replication_run(*, lease: timedelta = CLAIM_LEASE, budget: float = RUN_BUDGET_SECONDS) -> int:
    """Copies due blobs until none is due or the budget is spent; returns how many landed."""
    deadline = time.monotonic() + budget
    copied = 0
    while time.monotonic() < deadline:
        claims = replication_claim(lease=lease)
        if not claims:
            break
        for claim in claims:
            try:
                copied += replication_copy(claim=claim)
            except Exception as exc:
                logger.warning(
                    "replication of blob %s to %s failed (attempt %s): %r",
                    claim.blob_id,
                    claim.location,
                    claim.attempts,
                    exc,
                )
                _failure_record(claim, exc)
    return copied
