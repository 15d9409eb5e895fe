"""Sending the outbox: claim due deliveries, send each through its method, record the attempt.

A delivery is claimed by moving its ``next_attempt_at`` a lease ahead in a short transaction
that locks it with SKIP LOCKED, so several workers share the due rows and none sends a row
another holds; the send itself runs outside any transaction (a slow receiver holds no lock),
and a worker that dies mid-send leaves the row to come due again when its lease ends. So a
receiver may see a delivery twice, never none; the idempotency key tells the copies apart.

A failed attempt is retried after NOTIFICATION_RETRY_SECONDS, doubling each time, up to
NOTIFICATION_DELIVERY_ATTEMPTS attempts. A delivery that runs out of attempts counts as one
failure of its notification; NOTIFICATION_FAILURE_LIMIT of them in a row disable it until it
is reset, and any success sets the count back to zero (Quay's ``number_of_failures``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from notifications.http_post import Response, SendFailed, TargetRefused
from notifications.methods.email import email_send
from notifications.methods.in_app import in_app_send
from notifications.methods.slack import slack_send
from notifications.methods.webhook import webhook_send
from notifications.models import Delivery, DeliveryAttempt, Method, Notification

logger = logging.getLogger(__name__)

SENDERS: dict[str, Callable[[Delivery], Response]] = {
    Method.WEBHOOK: webhook_send,
    Method.SLACK: slack_send,
    Method.EMAIL: email_send,
    Method.QUAY_NOTIFICATION: in_app_send,
}
CLAIM_BATCH = 50


def _lease() -> timedelta:
    # Connect plus read timeout, and room for the record: past it, the send is taken as lost.
    return timedelta(seconds=3 * settings.NOTIFICATION_SEND_TIMEOUT + 30)


def retry_delay(attempts: int) -> timedelta:
    """After the ``attempts``-th failure: the base delay, doubled per earlier failure."""
    return timedelta(seconds=settings.NOTIFICATION_RETRY_SECONDS * 2 ** (attempts - 1))


def _due(now: datetime) -> QuerySet[Delivery]:
    return Delivery.objects.filter(
        status=Delivery.Status.PENDING, next_attempt_at__lte=now, notification__enabled=True
    )


def deliveries_claim(*, ids: list[int] | None = None, limit: int = CLAIM_BATCH) -> list[int]:
    """Claims up to ``limit`` due deliveries (of ``ids`` when given) for this worker."""
    now = timezone.now()
    due = _due(now) if ids is None else _due(now).filter(pk__in=ids)
    # Nothing due, the usual case of the periodic run: one indexed query, no transaction.
    if not due.exists():
        return []
    with transaction.atomic():
        locked = due.order_by("next_attempt_at", "pk").select_for_update(skip_locked=True, of=("self",))
        claimed = list(locked.values_list("pk", flat=True)[:limit])
        Delivery.objects.filter(pk__in=claimed).update(next_attempt_at=now + _lease())
    return claimed


def _send(delivery: Delivery) -> tuple[Response | None, SendFailed | None]:
    sender = SENDERS.get(delivery.notification.method)
    if sender is None:
        return None, SendFailed(f"unknown method {delivery.notification.method!r}")
    try:
        return sender(delivery), None
    except TargetRefused as error:
        return None, SendFailed(f"target refused: {error}")
    except SendFailed as error:
        return None, error


@transaction.atomic
def _attempt_record(
    delivery: Delivery, response: Response | None, failure: SendFailed | None, ms: int
) -> None:
    now = timezone.now()
    # Deleted with its notification while the send ran: nothing is left to record.
    if not Delivery.objects.select_for_update().filter(pk=delivery.pk).exists():
        return
    DeliveryAttempt.objects.create(
        delivery=delivery,
        ok=failure is None,
        status_code=failure.status_code if failure else response.status_code if response else None,
        error=str(failure)[:2000] if failure else "",
        elapsed_ms=ms,
    )
    attempts = delivery.attempts + 1
    notifications = Notification.objects.filter(pk=delivery.notification_id)
    if failure is None:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.DELIVERED, attempts=attempts, delivered_at=now, next_attempt_at=None
        )
        notifications.filter(number_of_failures__gt=0).update(number_of_failures=0)
    elif attempts < settings.NOTIFICATION_DELIVERY_ATTEMPTS:
        Delivery.objects.filter(pk=delivery.pk).update(
            attempts=attempts, next_attempt_at=now + retry_delay(attempts)
        )
    else:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.FAILED, attempts=attempts, next_attempt_at=None
        )
        notifications.update(number_of_failures=F("number_of_failures") + 1)
        notifications.filter(number_of_failures__gte=settings.NOTIFICATION_FAILURE_LIMIT).update(
            enabled=False
        )


def delivery_attempt(*, delivery_id: int) -> bool:
    """One attempt at a claimed delivery; True when it was accepted."""
    delivery = Delivery.objects.select_related("notification__namespace").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != Delivery.Status.PENDING:
        return False
    started = time.monotonic()
    response, failure = _send(delivery)
    elapsed_ms = response.elapsed_ms if response else int((time.monotonic() - started) * 1000)
    if failure is not None:
        logger.info("notification delivery %s failed: %s", delivery.idempotency_key, failure)
    _attempt_record(delivery, response, failure, elapsed_ms)
    return failure is None


def deliveries_send(*, ids: list[int] | None = None, limit: int = CLAIM_BATCH) -> int:
    """Claims and attempts due deliveries; returns how many it claimed."""
    claimed = deliveries_claim(ids=ids, limit=limit)
    for pk in claimed:
        delivery_attempt(delivery_id=pk)
    return len(claimed)
