"""Reads of the superuser console: every person and organization of the registry."""

from __future__ import annotations

from django.db.models import QuerySet

from orgs.errors import NotFound
from orgs.models import Organization, User


def person_list() -> QuerySet[User]:
    """Every user but the robots, by name: a queryset to page."""
    return User.objects.filter(robot__isnull=True).order_by("username")


def person_get(*, name: str) -> User:
    """Disabled users too (the console is where they are enabled again), never robots."""
    user = User.objects.filter(username=name, robot__isnull=True).first()
    if user is None:
        raise NotFound(f"no user named {name!r}")
    return user


def organization_list() -> QuerySet[Organization]:
    """Every organization, by name: a queryset to page."""
    return Organization.objects.select_related("namespace").order_by("namespace__name")
