"""Writes of notifications: create, delete, reset, test, and marking in-app ones read.

Validation follows Quay's: a known event and method, the method's config (a webhook's or
Slack's http(s) URL, an e-mail address, an in-app target that exists), with Quay's messages
for the 400s. Repository notifications are recorded in the audit log with Quay's kinds
(``add_repo_notification`` ...) in the same transaction; who may call these is the API's check.
"""

from __future__ import annotations

from urllib.parse import urlsplit
from uuid import UUID

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from notifications.events import EVENT_NAMES, deliveries_create
from notifications.methods.body_template import TemplateInvalid, template_parse
from notifications.models import Delivery, Event, Method, Notification, UserNotification
from notifications.payloads import sample_event_data, severity_index
from orgs.audit import audit_log_write
from orgs.models import Namespace, Team, User
from registry.models import Repository

METHOD_NAMES = frozenset(Method.values)


class NotificationError(Exception):
    """Base of the errors the notification services raise."""


class NotificationInvalid(NotificationError, ValueError):
    """A value Quay refuses with a 400 request error."""


class NotificationNotFound(NotificationError):
    """No such notification (or in-app notification) where it was asked for."""


def _url_checked(config: dict, missing: str) -> None:
    url = config.get("url", "")
    if not url or not isinstance(url, str):
        raise NotificationInvalid(missing)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NotificationInvalid(
            "Invalid webhook URL" if missing == "Missing webhook URL" else "Invalid URL"
        )


def _target_checked(namespace: Namespace, config: dict) -> None:
    target = config.get("target")
    if target is None:
        return
    if not isinstance(target, dict) or not target.get("kind"):
        raise NotificationInvalid("Missing target")
    kind, name = target["kind"], str(target.get("name", ""))
    if kind == "user" and not User.objects.filter(username=name, robot__isnull=True).exists():
        raise NotificationInvalid(f"Unknown user {name}")
    if kind == "team" and not Team.objects.filter(organization__namespace=namespace, name=name).exists():
        raise NotificationInvalid(f"Unknown team {name}")
    if kind == "org" and name != namespace.name:
        raise NotificationInvalid("Organization name must match repository namespace")
    if kind not in ("user", "team", "org"):
        raise NotificationInvalid("Missing target")


def _config_checked(namespace: Namespace, method: str, config: dict) -> None:
    if method == Method.WEBHOOK:
        _url_checked(config, "Missing webhook URL")
        if config.get("template"):
            try:
                template_parse(str(config["template"]))
            except TemplateInvalid as error:
                raise NotificationInvalid(str(error)) from None
    elif method == Method.SLACK:
        _url_checked(config, "Missing Slack Callback URL")
    elif method == Method.EMAIL:
        email = config.get("email", "")
        if not email:
            raise NotificationInvalid("Missing e-mail address")
        try:
            validate_email(email)
        except ValidationError:
            raise NotificationInvalid(f"Invalid e-mail address: {email}") from None
    else:
        _target_checked(namespace, config)


def _event_config_checked(event: str, event_config: dict) -> None:
    if "level" in event_config and severity_index(event_config["level"]) is None:
        raise NotificationInvalid(f"Unknown vulnerability level {event_config['level']!r}")
    days = event_config.get("days")
    if event == Event.REPO_IMAGE_EXPIRY and days is None:
        # Without it the event never fires (Quay's form asks for the number of days).
        raise NotificationInvalid("days is required for the image expiry trigger")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days < 1):
        raise NotificationInvalid("days must be a positive whole number")


def _audit(kind: str, notification: Notification, actor: User | None) -> None:
    repository = notification.repository
    metadata = {
        "namespace": notification.namespace.name,
        "notification_id": str(notification.uuid),
        "event": notification.event,
        "method": notification.method,
    }
    if repository is not None:
        metadata["repo"] = repository.name
    audit_log_write(
        kind=kind, performer=actor, namespace=notification.namespace, repository=repository, metadata=metadata
    )


@transaction.atomic
def notification_create(
    *,
    namespace: Namespace,
    repository: Repository | None = None,
    event: str,
    method: str,
    config: dict,
    event_config: dict | None = None,
    title: str = "",
    actor: User | None = None,
) -> Notification:
    if event not in EVENT_NAMES:
        raise NotificationInvalid(f"Unable to find event: {event}")
    if method not in METHOD_NAMES:
        raise NotificationInvalid(f"Unable to find method: {method}")
    if not isinstance(config, dict):
        raise NotificationInvalid("config must be an object")
    event_config = event_config or {}
    if not isinstance(event_config, dict):
        raise NotificationInvalid("eventConfig must be an object")
    if repository is not None and repository.namespace_id != namespace.pk:
        raise NotificationInvalid("The repository is not in the namespace")
    _config_checked(namespace, method, config)
    _event_config_checked(event, event_config)
    notification = Notification.objects.create(
        namespace=namespace,
        repository=repository,
        event=event,
        method=method,
        config=config,
        event_config=event_config,
        title=(title or "")[:255],
    )
    _audit("add_repo_notification", notification, actor)
    return notification


@transaction.atomic
def notification_delete(*, notification: Notification, actor: User | None = None) -> None:
    _audit("delete_repo_notification", notification, actor)
    notification.delete()


@transaction.atomic
def notification_reset(*, notification: Notification, actor: User | None = None) -> Notification:
    """Failures back to zero and the notification enabled again (Quay's POST on its uuid)."""
    Notification.objects.filter(pk=notification.pk).update(number_of_failures=0, enabled=True)
    notification.number_of_failures, notification.enabled = 0, True
    _audit("reset_repo_notification", notification, actor)
    return notification


@transaction.atomic
def notification_test(*, notification: Notification) -> Delivery:
    """Queues one delivery of the event's sample data, as any other: same retries and records.
    A disabled notification's test waits, like its other deliveries, for a reset."""
    repository = notification.repository
    payload = sample_event_data(
        notification.event,
        notification.namespace.name,
        repository.name if repository is not None else None,
        notification.event_config,
    )
    payload["notification_uuid"] = str(notification.uuid)
    [delivery] = deliveries_create(notifications=[notification], event=notification.event, payload=payload)
    return delivery


def user_notification_mark_read(*, user: User, uuids: list[str] | None = None, read: bool = True) -> int:
    """Marks the user's in-app notifications (those of ``uuids``, else all) read or unread;
    returns how many changed. An unknown uuid of one asked is NotificationNotFound."""
    rows = UserNotification.objects.filter(user=user)
    if uuids is not None:
        try:
            keys = [UUID(str(value)) for value in uuids]
        except ValueError:
            raise NotificationNotFound(f"No notification {uuids}") from None
        rows = rows.filter(uuid__in=keys)
        if len(uuids) == 1 and not rows.exists():
            raise NotificationNotFound(f"No notification {uuids[0]}")
    return rows.exclude(read=read).update(read=read)
