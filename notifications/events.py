"""The one way an event becomes deliveries. The apps below this one reach it through their
hooks (``notifications.listeners`` subscribes to each), as the import rule wants: nothing
imports ``notifications``, so a new feature offers a hook list and ``listeners`` subscribes to it.

``event_record`` writes one ``Delivery`` (the outbox row) per enabled notification listening to
the event, in the caller's transaction, and enqueues their sending for after the commit: an
event whose transaction rolls back (a push refused midway) leaves no row and sends nothing, and
one that commits is sent even if the process dies right after, by the retry worker.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from notifications.models import Delivery, Event, Notification
from notifications.payloads import event_config_passes
from notifications.tasks import deliveries_send_task
from quaysite.jobs import enqueue

EVENT_NAMES = frozenset(Event.values)


def notifications_listening(
    *, event: str, namespace_id: int, repository_id: int | None
) -> list[Notification]:
    """The repository's notifications for ``event`` and the namespace's own (repository None),
    enabled ones only. One query."""
    if event not in EVENT_NAMES:
        raise ValueError(f"unknown notification event {event!r}")
    scope = Q(repository__isnull=True)
    if repository_id is not None:
        scope |= Q(repository_id=repository_id)
    listening = Notification.objects.filter(scope, event=event, namespace_id=namespace_id, enabled=True)
    return list(listening.order_by("pk"))


def deliveries_create(*, notifications: list[Notification], event: str, payload: dict) -> list[Delivery]:
    """One delivery per notification whose event filters pass, sent once the caller commits."""
    now = timezone.now()
    deliveries = Delivery.objects.bulk_create(
        [
            Delivery(notification=notification, event=event, payload=payload, next_attempt_at=now)
            for notification in notifications
            if event_config_passes(event, notification.event_config, payload)
        ]
    )
    if deliveries:
        enqueue(deliveries_send_task, [delivery.pk for delivery in deliveries])
    return deliveries


def event_record(event: str, *, namespace_id: int, repository_id: int | None = None, payload: dict) -> int:
    """Records ``event`` for the namespace (and repository); returns the deliveries written."""
    notifications = notifications_listening(
        event=event, namespace_id=namespace_id, repository_id=repository_id
    )
    if not notifications:
        return 0
    return len(deliveries_create(notifications=notifications, event=event, payload=payload))
