"""Rows for the API and page tests: notifications, their delivery attempts and in-app notes,
made directly so a test states exactly what exists."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from notifications.models import Delivery, DeliveryAttempt, Notification, UserNotification
from orgs.models import Namespace, User
from registry.models import Repository

HOOK = {"url": "https://hooks.example.com/quay"}


def notification_make(
    namespace: Namespace,
    repository: Repository | None = None,
    *,
    event: str = "repo_push",
    method: str = "webhook",
    config: dict | None = None,
    **fields: object,
) -> Notification:
    return Notification.objects.create(
        namespace=namespace,
        repository=repository,
        event=event,
        method=method,
        config=HOOK if config is None else config,
        **fields,
    )


def attempts_make(
    notification: Notification, outcomes: list[tuple[bool, int | None, str]]
) -> list[DeliveryAttempt]:
    """One delivery tried once per outcome (ok, HTTP status, error), a second apart, oldest first."""
    delivery = Delivery.objects.create(notification=notification, event=notification.event, payload={})
    made = []
    start = timezone.now() - timedelta(minutes=1)
    for index, (ok, status, error) in enumerate(outcomes):
        attempt = DeliveryAttempt.objects.create(
            delivery=delivery, ok=ok, status_code=status, error=error, elapsed_ms=10 + index
        )
        # auto_now_add sets ``at``; the order under test needs distinct, known times.
        DeliveryAttempt.objects.filter(pk=attempt.pk).update(at=start + timedelta(seconds=index))
        attempt.refresh_from_db()
        made.append(attempt)
    return made


def note_make(user: User, kind: str = "repo_push", **metadata: object) -> UserNotification:
    return UserNotification.objects.create(user=user, kind=kind, metadata=metadata)
