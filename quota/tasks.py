"""Background jobs of quota: thin wrappers over its services, enqueued by quaysite.jobs."""

from __future__ import annotations

import time

from quota.backfill import quota_backfill

# Well inside the job's period, so runs do not pile up and the in-process worker's other jobs
# wait at most this long behind a large backfill.
BACKFILL_TASK_SECONDS = 20.0


def quota_backfill_task() -> int:
    """Sizes unsized namespaces for a while; returns how many."""
    return len(quota_backfill(deadline=time.monotonic() + BACKFILL_TASK_SECONDS))
