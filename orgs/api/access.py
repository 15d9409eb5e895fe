"""Lookups the organization views share: an organization's private parts look missing to strangers."""

from __future__ import annotations

from orgs.errors import NotFound
from orgs.models import Organization, Team, User
from orgs.names import ROBOT_SEPARATOR
from orgs.selectors import namespace_role, organization_get


def organization_get_for_member(*, user: User, name: str) -> Organization:
    """The organization when ``user`` belongs to it; otherwise the same 404 as a missing one."""
    organization = organization_get(name=name)
    if namespace_role(user=user, namespace=organization.namespace) is None:
        raise NotFound(f"no organization named {name!r}")
    return organization


def team_get(*, organization: Organization, name: str) -> Team:
    team = Team.objects.filter(organization=organization, name=name).select_related("organization__namespace")
    found = team.first()
    if found is None:
        raise NotFound(f"no team {name!r} in {organization}")
    return found


def user_get(*, name: str) -> User:
    user = User.objects.filter(username=name, is_active=True).first()
    if user is None:
        raise NotFound(f"no user named {name!r}")
    return user


def is_robot_name(name: str) -> bool:
    return ROBOT_SEPARATOR in name


def entity_view(user: User) -> dict:
    """Quay's short form of a user or robot in member and grant listings."""
    return {"name": user.username, "kind": "user", "is_robot": is_robot_name(user.username)}
