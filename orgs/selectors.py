"""Reads for identity: who may do what in a namespace and a repository.

The registry's token endpoint asks these; the next identity issue adds direct and team grants
on repositories behind the same two functions.
"""

from __future__ import annotations

from django.conf import settings

from orgs.models import Namespace, Team, TeamMember, User

ROLE_ORDER = {None: 0, "read": 1, "write": 2, "admin": 3}


def is_superuser(user: User | None) -> bool:
    return bool(user and user.is_active and (user.is_superuser or user.username in settings.SUPER_USERS))


def namespace_role(*, user: User | None, namespace: Namespace) -> str | None:
    """'admin' for the namespace's owner or an organization admin, 'creator' for a creator team."""
    if user is None or not user.is_active:
        return None
    if namespace.kind == Namespace.Kind.USER:
        return "admin" if user.namespace_id == namespace.pk else None
    roles = set(
        TeamMember.objects.filter(user=user, team__organization__namespace=namespace).values_list(
            "team__role", flat=True
        )
    )
    if Team.Role.ADMIN in roles:
        return "admin"
    if Team.Role.CREATOR in roles:
        return "creator"
    return None


def repository_role(*, user: User | None, namespace: Namespace, is_public: bool) -> str | None:
    """The highest of: namespace admin (admin), public visibility (read)."""
    role = "admin" if namespace_role(user=user, namespace=namespace) == "admin" else None
    if role is None and is_public and (user is not None or settings.FEATURE_ANONYMOUS_ACCESS):
        role = "read"
    return role


def may_create_repository(*, user: User | None, namespace: Namespace) -> bool:
    return namespace_role(user=user, namespace=namespace) in ("admin", "creator")
