"""Reads for the notification pages and API: a repository's or a namespace's notifications, their
latest delivery attempts, and a user's in-app notifications."""

from __future__ import annotations

import uuid as uuid_module

from django.db.models import QuerySet

from notifications.models import DeliveryAttempt, Notification, UserNotification
from orgs.errors import NotFound
from orgs.models import Namespace, User
from registry.models import Repository

ATTEMPTS_SHOWN = 10


def repository_notification_list(*, repository: Repository) -> QuerySet[Notification]:
    return Notification.objects.filter(repository=repository).order_by("created", "id")


def namespace_notification_list(*, namespace: Namespace) -> QuerySet[Notification]:
    """The namespace's own notifications (quota events), not its repositories'."""
    return Notification.objects.filter(namespace=namespace, repository__isnull=True).order_by("created", "id")


def _parsed(uuid: str) -> uuid_module.UUID | None:
    """A path's uuid, None when it is not one (no row has it)."""
    try:
        return uuid_module.UUID(uuid)
    except ValueError:
        return None


def repository_notification_find(*, repository: Repository, uuid: str) -> Notification | None:
    parsed = _parsed(uuid)
    if parsed is None:
        return None
    return repository_notification_list(repository=repository).filter(uuid=parsed).first()


def namespace_notification_find(*, namespace: Namespace, uuid: str) -> Notification | None:
    parsed = _parsed(uuid)
    if parsed is None:
        return None
    return namespace_notification_list(namespace=namespace).filter(uuid=parsed).first()


def delivery_attempt_list(
    *, notification: Notification, limit: int = ATTEMPTS_SHOWN
) -> list[DeliveryAttempt]:
    """The notification's latest attempts, newest first."""
    rows = DeliveryAttempt.objects.filter(delivery__notification=notification).order_by("-at", "-id")
    return list(rows[:limit])


def user_notification_list(*, user: User) -> QuerySet[UserNotification]:
    return UserNotification.objects.filter(user=user).order_by("-created", "-id")


def user_notification_get(*, user: User, uuid: str) -> UserNotification:
    parsed = _parsed(uuid)
    found = None if parsed is None else user_notification_list(user=user).filter(uuid=parsed).first()
    if found is None:
        raise NotFound(f"no notification {uuid!r}")
    return found


def user_notification_unread_count(*, user: User) -> int:
    return UserNotification.objects.filter(user=user, read=False).count()
