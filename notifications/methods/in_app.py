"""Quay notification: rows in the web UI's bell for people of the namespace.

The config's ``target`` (Quay's) names who: ``{"kind": "user", "name": ...}``, a team of the
organization (``"team"``), or the organization itself (``"org"``: its admins). Without a target,
the namespace's admins: an organization's admin teams, or the user who owns a user namespace.
"""

from __future__ import annotations

import time

from django.db.models import QuerySet

from notifications.http_post import Response, SendFailed
from notifications.models import Delivery, UserNotification
from orgs.models import Namespace, Team, User


def namespace_admins(namespace: Namespace) -> QuerySet[User]:
    if namespace.kind == Namespace.Kind.USER:
        return User.objects.filter(namespace=namespace, is_active=True)
    admins = User.objects.filter(
        teams__organization__namespace=namespace, teams__role=Team.Role.ADMIN, is_active=True
    )
    return admins.distinct()


def target_users(namespace: Namespace, target: dict | None) -> QuerySet[User]:
    """Raises SendFailed when the target is gone (a deleted team or user)."""
    if not target or target.get("kind") == "org":
        return namespace_admins(namespace)
    name = target.get("name", "")
    if target.get("kind") == "user":
        users = User.objects.filter(username=name, is_active=True, robot__isnull=True)
    elif target.get("kind") == "team":
        users = User.objects.filter(
            teams__organization__namespace=namespace, teams__name=name, is_active=True
        ).distinct()
    else:
        raise SendFailed(f"Unknown target kind {target.get('kind')!r}")
    if not users.exists():
        raise SendFailed(f"Unknown {target.get('kind')} {name}")
    return users


def in_app_send(delivery: Delivery) -> Response:
    started = time.monotonic()
    namespace = delivery.notification.namespace
    users = target_users(namespace, delivery.notification.config.get("target"))
    metadata = {**delivery.payload, "idempotency_key": str(delivery.idempotency_key)}
    # A retry after a crash between insert and commit would add a second row; the key says so.
    already = set(
        UserNotification.objects.filter(
            user__in=users, kind=delivery.event, metadata__idempotency_key=metadata["idempotency_key"]
        ).values_list("user_id", flat=True)
    )
    UserNotification.objects.bulk_create(
        [
            UserNotification(user=user, kind=delivery.event, metadata=metadata)
            for user in users
            if user.pk not in already
        ]
    )
    return Response(status_code=None, elapsed_ms=int((time.monotonic() - started) * 1000))
