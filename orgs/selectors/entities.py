"""Reads of Quay's entity search: people, a namespace's robots and an organization's teams whose
names start with a prefix, for the pickers that grant permissions and add members."""

from __future__ import annotations

from django.db.models import Q

from orgs.models import Namespace, Organization, Team, User
from orgs.names import ROBOT_SEPARATOR


def users_matching(*, prefix: str, robot_namespace: Namespace | None, limit: int) -> list[User]:
    """People by name prefix, and the robots of ``robot_namespace`` by full or short name; at most
    ``limit`` of each, by name."""
    people = User.objects.filter(is_active=True, robot__isnull=True, username__istartswith=prefix)
    found = list(people.order_by("username")[:limit])
    if robot_namespace is not None:
        robots = User.objects.filter(robot__namespace=robot_namespace).filter(
            Q(username__istartswith=prefix)
            | Q(username__istartswith=f"{robot_namespace.name}{ROBOT_SEPARATOR}{prefix}")
        )
        found += list(robots.order_by("username")[:limit])
    return found


def teams_matching(*, organization: Organization, prefix: str, limit: int) -> list[Team]:
    teams = Team.objects.filter(organization=organization, name__istartswith=prefix)
    return list(teams.order_by("name")[:limit])


def organization_of(*, namespace: Namespace) -> Organization | None:
    """The organization whose namespace this is; None for a user's."""
    return Organization.objects.filter(namespace=namespace).first()
