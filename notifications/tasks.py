"""Background jobs of notifications: thin wrappers over notifications.delivery."""

from __future__ import annotations

from notifications.delivery import CLAIM_BATCH, deliveries_send

# Per periodic run: what is left waits for the next period, so one run stays bounded.
DUE_BATCHES_PER_RUN = 20


def deliveries_send_task(delivery_ids: list[int]) -> int:
    """Enqueued by an event's commit: its deliveries' first attempts."""
    return deliveries_send(ids=delivery_ids, limit=len(delivery_ids))


def deliveries_due_task() -> int:
    """The periodic job (every NOTIFICATION_POLL_PERIOD seconds): retries that came due, and
    first attempts whose job was lost. Returns how many deliveries it attempted."""
    attempted = 0
    for _ in range(DUE_BATCHES_PER_RUN):
        claimed = deliveries_send(limit=CLAIM_BATCH)
        attempted += claimed
        if claimed < CLAIM_BATCH:
            break
    return attempted
