"""Fixtures for identity tests: more people, teams, robots and repositories to grant on."""

from __future__ import annotations

import pytest

from orgs.models import Namespace, Organization, RobotAccount, Team, User
from orgs.services import organization_create, robot_create, team_create, team_member_add, user_create
from registry.models import Repository
from tests.conftest import PASSWORD


@pytest.fixture
def carol(db) -> User:
    return user_create(username="carol", password=PASSWORD)


@pytest.fixture
def globex(bob) -> Organization:
    """Another organization, owned by bob."""
    return organization_create(name="globex", creator=bob)


@pytest.fixture
def owners(acme) -> Team:
    return acme.teams.get(name="owners")


def team_make(organization: Organization, name: str, role: str, *members: User) -> Team:
    team = team_create(organization=organization, name=name, role=role)
    for member in members:
        team_member_add(team=team, user=member)
    return team


def repository_make(
    namespace: Namespace | Organization | User, name: str, *, public: bool = False
) -> Repository:
    owned = namespace.namespace if isinstance(namespace, Organization | User) else namespace
    assert owned is not None
    return Repository.objects.create(namespace=owned, name=name, is_public=public)


def robot_make(owner: Organization | User, short_name: str = "deployer") -> tuple[RobotAccount, str]:
    assert owner.namespace is not None
    return robot_create(namespace=owner.namespace, short_name=short_name)
