"""Reads of notifications, their deliveries and in-app notifications."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet

from notifications.models import Delivery, DeliveryAttempt, Notification, UserNotification
from notifications.services import NotificationNotFound
from orgs.models import Namespace, User
from registry.models import Repository


def notification_list_for_repository(*, repository: Repository) -> QuerySet[Notification]:
    return Notification.objects.filter(repository=repository).order_by("created", "pk")


def notification_list_for_namespace(*, namespace: Namespace) -> QuerySet[Notification]:
    """The namespace's own notifications (quota events), not its repositories'."""
    return Notification.objects.filter(namespace=namespace, repository__isnull=True).order_by("created", "pk")


def notification_get(*, namespace: Namespace, repository: Repository | None, uuid: str) -> Notification:
    """The notification ``uuid`` of the repository (None: of the namespace itself)."""
    try:
        key = UUID(str(uuid))
    except ValueError:
        raise NotificationNotFound(f"No notification {uuid}") from None
    rows = Notification.objects.filter(namespace=namespace, repository=repository, uuid=key)
    found = rows.select_related("namespace", "repository").first()
    if found is None:
        raise NotificationNotFound(f"No notification {uuid}")
    return found


def delivery_list(*, notification: Notification, limit: int = 50) -> QuerySet[Delivery]:
    return Delivery.objects.filter(notification=notification).order_by("-created", "-pk")[:limit]


def delivery_attempt_list(*, notification: Notification, limit: int = 50) -> QuerySet[DeliveryAttempt]:
    """The notification's latest attempts, newest first, with their deliveries."""
    attempts = DeliveryAttempt.objects.filter(delivery__notification=notification).select_related("delivery")
    return attempts.order_by("-at", "-pk")[:limit]


def user_notification_list(*, user: User, limit: int = 50) -> QuerySet[UserNotification]:
    return UserNotification.objects.filter(user=user).order_by("-created", "-pk")[:limit]


def user_notification_unread_count(*, user: User) -> int:
    return UserNotification.objects.filter(user=user, read=False).count()


def user_notification_get(*, user: User, uuid: str) -> UserNotification:
    """The user's own in-app notification ``uuid``; anyone else's is not found."""
    try:
        key = UUID(str(uuid))
    except ValueError:
        raise NotificationNotFound(f"No notification {uuid}") from None
    found = UserNotification.objects.filter(user=user, uuid=key).first()
    if found is None:
        raise NotificationNotFound(f"No notification {uuid}")
    return found
