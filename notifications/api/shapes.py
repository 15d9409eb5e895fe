"""Rows as the API shows them: Quay's notification view (its to_dict) and in-app notification view."""

from __future__ import annotations

from notifications.models import DeliveryAttempt, Notification, UserNotification


def notification_view(notification: Notification) -> dict:
    return {
        "uuid": str(notification.uuid),
        "title": notification.title or "",
        "event": notification.event,
        "method": notification.method,
        "config": notification.config or {},
        "event_config": notification.event_config or {},
        "number_of_failures": notification.number_of_failures,
        "enabled": notification.enabled,
    }


def delivery_attempt_view(attempt: DeliveryAttempt) -> dict:
    return {
        "at": attempt.at,
        "ok": attempt.ok,
        "status_code": attempt.status_code,
        "error": attempt.error or "",
        "elapsed_ms": attempt.elapsed_ms,
    }


def user_notification_view(note: UserNotification) -> dict:
    metadata = note.metadata or {}
    return {
        "id": str(note.uuid),
        # Quay names the organization a notification is about; ours keep it in the metadata.
        "organization": metadata.get("organization"),
        "kind": note.kind,
        "created": note.created,
        "metadata": metadata,
        "dismissed": note.read,
    }
