"""``repo_image_expiry``: tags whose expiration comes within a notification's ``days``.

Nothing happens at the moment a tag comes within N days of its end, so a periodic job looks
for them (``image_expiry_notify``, in quaysite.jobs' PERIODIC_JOBS; not in tasks.py, which
events.py imports). Each run claims the enabled expiry notifications with
``FOR UPDATE SKIP LOCKED`` (several server processes run the job; one takes a notification per
run), reads the live tags ending within the largest window among them, and for each
notification and repository writes one delivery naming the tags it has not told of yet (Quay's
``tags`` and ``expiring_in``), recording each tag's expiration as told in the same transaction.
A tag whose expiration is changed is told of again; a deleted tag has ended and is no longer
read. With no expiry notification the run is one query, with nothing near expiry two.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from notifications.events import deliveries_create
from notifications.models import Event, ImageExpiryNotified, Notification
from notifications.payloads import repository_event_data
from registry.models import Tag


def _days(notification: Notification) -> int | None:
    days = notification.event_config.get("days")
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        return None
    return days


def _tags_expiring(notifications: list[Notification], now: datetime, horizon: datetime) -> list[Any]:
    repository_ids = {n.repository_id for n in notifications if n.repository_id is not None}
    namespace_ids = {n.namespace_id for n in notifications if n.repository_id is None}
    scope = Q(repository_id__in=repository_ids)
    if namespace_ids:
        scope |= Q(repository__namespace_id__in=namespace_ids)
    expiring = Tag.objects.filter(scope, end__gt=now, end__lte=horizon)
    return list(
        expiring.order_by("repository_id", "name").values(
            "pk",
            "name",
            "end",
            "repository_id",
            "repository__name",
            "repository__namespace_id",
            "manifest__digest",
        )
    )


def _in_scope(notification: Notification, tag: dict) -> bool:
    if notification.repository_id is not None:
        return tag["repository_id"] == notification.repository_id
    return tag["repository__namespace_id"] == notification.namespace_id


def _payload(notification: Notification, days: int, tags: list[dict]) -> dict:
    return repository_event_data(
        notification.namespace.name,
        tags[0]["repository__name"],
        {
            "tags": [tag["name"] for tag in tags],
            "expiring_in": f"{days} days",
            "expiring_tags": [
                {
                    "name": tag["name"],
                    "manifest_digest": tag["manifest__digest"],
                    "expiration": tag["end"].isoformat(),
                }
                for tag in tags
            ],
        },
    )


@transaction.atomic
def image_expiry_notify(now: datetime | None = None) -> int:
    """One run of the job; returns the deliveries written."""
    now = now or timezone.now()
    claimed = (
        Notification.objects.select_related("namespace")
        .filter(event=Event.REPO_IMAGE_EXPIRY, enabled=True)
        .order_by("pk")
        .select_for_update(skip_locked=True, of=("self",))
    )
    notifications = [n for n in claimed if _days(n) is not None]
    if not notifications:
        return 0
    horizon = now + timedelta(days=max(_days(n) or 0 for n in notifications))
    tags = _tags_expiring(notifications, now, horizon)
    if not tags:
        return 0
    told = set(
        ImageExpiryNotified.objects.filter(
            notification__in=notifications, tag_id__in=[tag["pk"] for tag in tags]
        ).values_list("notification_id", "tag_id", "expires")
    )
    written = 0
    records = []
    for notification in notifications:
        days = _days(notification)
        assert days is not None  # the notifications without days are left out above
        by_repository: dict[int, list[dict]] = defaultdict(list)
        for tag in tags:
            if (
                _in_scope(notification, tag)
                and tag["end"] <= now + timedelta(days=days)
                and (notification.pk, tag["pk"], tag["end"]) not in told
            ):
                by_repository[tag["repository_id"]].append(tag)
        for repository_tags in by_repository.values():
            payload = _payload(notification, days, repository_tags)
            written += len(
                deliveries_create(
                    notifications=[notification], event=Event.REPO_IMAGE_EXPIRY, payload=payload
                )
            )
            records += [
                ImageExpiryNotified(notification=notification, tag_id=tag["pk"], expires=tag["end"])
                for tag in repository_tags
            ]
    if records:
        ImageExpiryNotified.objects.bulk_create(records)
        # Only on a run that told of something: the table stays small without a query per run.
        ImageExpiryNotified.objects.filter(expires__lte=now).delete()
    return written
