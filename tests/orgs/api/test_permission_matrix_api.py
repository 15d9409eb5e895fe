"""The identity issue's permission matrix for the management actions, through the REST endpoints:
the same principals and world as tests/orgs/test_permission_matrix.py, each logged in with a
browser session, and the same expected cells. One test per principal keeps it fast."""

from __future__ import annotations

import pytest
from django.test import Client

from orgs.models import RepositoryPermission, RobotAccount, User
from tests.orgs.test_permission_matrix import (  # noqa: F401 (fixtures)
    ALLOW,
    DENY,
    ORGANIZATION_ACTIONS,
    ORGANIZATION_EXPECTED,
    REPOSITORY_ACTIONS,
    REPOSITORY_EXPECTED,
    World,
    audit_buffer_held,
    default_config,
    world,
)

DENIED_STATUSES = {401, 403, 404}


def _client(scene: World, principal: str) -> Client:
    client = Client()
    actor = scene.actors[principal]
    if isinstance(actor, User):
        client.force_login(actor)
    return client


def _outcome(response, allowed: set[int]) -> str:
    if response.status_code in allowed:
        return ALLOW
    assert response.status_code in DENIED_STATUSES, (response.status_code, response.content)
    return DENY


def change_permissions(client: Client, scene: World, where: str) -> str:
    repository = scene.repositories[where]
    response = client.put(
        f"/api/v1/repository/acme/{where}/permissions/user/{scene.grant_target.username}",
        {"role": "read"},
        content_type="application/json",
    )
    outcome = _outcome(response, {200})
    granted = RepositoryPermission.objects.filter(repository=repository, user=scene.grant_target).exists()
    assert granted == (outcome == ALLOW)
    return outcome


def manage_teams(client: Client, scene: World) -> str:
    response = client.put(
        "/api/v1/organization/acme/team/newteam", {"role": "member"}, content_type="application/json"
    )
    outcome = _outcome(response, {200})
    assert scene.organization.teams.filter(name="newteam").exists() == (outcome == ALLOW)
    return outcome


def manage_robots(client: Client, scene: World) -> str:
    response = client.put("/api/v1/organization/acme/robots/newbot", {}, content_type="application/json")
    outcome = _outcome(response, {201})
    exists = RobotAccount.objects.filter(namespace=scene.organization.namespace, short_name="newbot").exists()
    assert exists == (outcome == ALLOW)
    return outcome


@pytest.mark.parametrize("principal", list(REPOSITORY_EXPECTED))
def test_management_matrix_through_the_api(world, principal):  # noqa: F811 (the fixture)
    client = _client(world, principal)
    permissions = REPOSITORY_EXPECTED[principal][REPOSITORY_ACTIONS.index("change_permissions")]
    expected = {
        "change_permissions-public": permissions[0],
        "change_permissions-private": permissions[1],
        "manage_teams": ORGANIZATION_EXPECTED[principal][ORGANIZATION_ACTIONS.index("manage_teams")],
        "manage_robots": ORGANIZATION_EXPECTED[principal][ORGANIZATION_ACTIONS.index("manage_robots")],
    }
    actual = {
        "change_permissions-public": change_permissions(client, world, "public"),
        "change_permissions-private": change_permissions(client, world, "private"),
        "manage_teams": manage_teams(client, world),
        "manage_robots": manage_robots(client, world),
    }
    assert actual == expected


def test_strangers_learn_nothing_of_private_repositories(world):  # noqa: F811 (the fixture)
    """A denial on what the caller cannot read is a 404, as for a missing repository."""
    client = _client(world, "stranger")
    response = client.get("/api/v1/repository/acme/private/permissions/user/")
    missing = client.get("/api/v1/repository/acme/missing/permissions/user/")
    assert response.status_code == missing.status_code == 404
