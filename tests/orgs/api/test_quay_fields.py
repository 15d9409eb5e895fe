"""Quay's fields on every response scripts read: avatar objects computed from the name, and the
smaller fields (logins, invoice_email, new_team, encrypted_password, integer scores,
is_org_member on prototypes)."""

from __future__ import annotations

import hashlib

import pytest

from orgs.avatars import AVATAR_COLORS, avatar_data
from orgs.services import prototype_create, robot_create, team_create, team_member_add
from registry.services.permissions import permission_set
from tests.api_fixtures import repository_make

# Quay's local avatar for the name "alice": md5 of the name, colour by its first two hex digits.
ALICE = {"name": "alice", "hash": "6384e2b2184bcbf58eccf10ca7a6563c", "color": "#ffbb78", "kind": "user"}


def _avatar(name: str, kind: str) -> dict:
    digest = hashlib.md5(name.lower().encode()).hexdigest()
    return {"name": name, "hash": digest, "color": AVATAR_COLORS[int(digest[:2], 16) % 32], "kind": kind}


def test_avatar_is_quays_computation_from_the_name():
    assert avatar_data(name="alice", kind="user") == ALICE
    assert avatar_data(name=" Alice ", kind="user")["hash"] == ALICE["hash"]
    assert len(AVATAR_COLORS) == 32


@pytest.fixture
def world(alice, bob, acme, settings):
    settings.SUPER_USERS = ["alice"]
    repository = repository_make(acme, "app", public=True)
    devs = team_create(organization=acme, name="devs", role="member")
    team_member_add(team=devs, user=bob)
    robot, _ = robot_create(namespace=acme.namespace, short_name="bot")
    permission_set(repository=repository, user=bob, role="read")
    permission_set(repository=repository, team=devs, role="write")
    prototype_create(organization=acme, role="read", delegate_user=bob, activating_user=alice)
    prototype_create(organization=acme, role="write", delegate_team=devs)
    return repository


def test_current_user_has_avatars_logins_and_invoice_email(alice_client, world):
    body = alice_client.get("/api/v1/user/").json()
    assert body["avatar"] == ALICE
    assert body["organizations"][0]["avatar"] == _avatar("acme", "org")
    assert body["logins"] == []
    assert body["invoice_email"] is False


def test_organization_and_its_teams_have_avatars(alice_client, world):
    body = alice_client.get("/api/v1/organization/acme").json()
    assert body["avatar"] == _avatar("acme", "org")
    assert body["teams"]["devs"]["avatar"] == _avatar("devs", "team")
    assert body["invoice_email"] is False


def test_public_profile_has_an_avatar(bob_client, world):
    assert bob_client.get("/api/v1/users/alice").json()["avatar"] == ALICE


def test_robots_members_and_team_members_have_avatars(alice_client, world):
    robots = alice_client.get("/api/v1/organization/acme/robots").json()["robots"]
    assert robots[0]["avatar"] == _avatar("acme+bot", "robot")
    members = alice_client.get("/api/v1/organization/acme/members").json()["members"]
    assert [member["avatar"] for member in members] == [ALICE, _avatar("bob", "user")]
    team = alice_client.get("/api/v1/organization/acme/team/devs/members").json()
    assert team["members"][0]["avatar"] == _avatar("bob", "user")


def test_permissions_have_avatars(alice_client, world):
    users = alice_client.get("/api/v1/repository/acme/app/permissions/user/").json()["permissions"]
    assert users["bob"]["avatar"] == _avatar("bob", "user")
    teams = alice_client.get("/api/v1/repository/acme/app/permissions/team/").json()["permissions"]
    assert teams["devs"]["avatar"] == _avatar("devs", "team")


def test_prototypes_have_avatars_and_is_org_member(alice_client, world):
    prototypes = alice_client.get("/api/v1/organization/acme/prototypes").json()["prototypes"]
    by_delegate = {prototype["delegate"]["name"]: prototype for prototype in prototypes}
    assert by_delegate["bob"]["delegate"]["avatar"] == _avatar("bob", "user")
    assert by_delegate["bob"]["delegate"]["is_org_member"] is True
    assert by_delegate["bob"]["activating_user"] == {
        "name": "alice",
        "kind": "user",
        "is_robot": False,
        "is_org_member": True,
        "avatar": ALICE,
    }
    assert by_delegate["devs"]["delegate"]["avatar"] == _avatar("devs", "team")


def test_entities_have_avatars(alice_client, world):
    results = alice_client.get("/api/v1/entities/d", {"namespace": "acme", "includeTeams": "true"}).json()
    assert results["results"][0] == {
        "name": "devs",
        "kind": "team",
        "is_org_member": True,
        "avatar": _avatar("devs", "team"),
    }


def test_log_performers_have_avatars(alice_client, world):
    logs = alice_client.get("/api/v1/organization/acme/logs").json()["logs"]
    assert logs and all(log["performer"]["avatar"] == ALICE for log in logs if "performer" in log)


def test_search_results_have_namespace_avatars_and_integer_scores(alice_client, world):
    result = alice_client.get("/api/v1/find/repositories", {"query": "app"}).json()["results"][0]
    assert result["namespace"]["avatar"] == _avatar("acme", "org")
    assert result["score"] == 4 and isinstance(result["score"], int)
    assert result["namespace"]["score"] == 1


def test_superuser_listings_have_avatars(alice_client, world):
    users = alice_client.get("/api/v1/superuser/users/").json()["users"]
    assert users[0]["avatar"] == ALICE
    organizations = alice_client.get("/api/v1/superuser/organizations/").json()["organizations"]
    assert organizations[0]["avatar"] == _avatar("acme", "org")


def test_superuser_user_create_returns_encrypted_password(alice_client, world):
    created = alice_client.post(
        "/api/v1/superuser/users/", {"username": "dave"}, content_type="application/json"
    )
    body = created.json()
    assert body["encrypted_password"] == body["password"]


def test_team_put_says_whether_it_created_the_team(alice_client, world):
    url = "/api/v1/organization/acme/team/ops"
    first = alice_client.put(url, {"role": "member"}, content_type="application/json").json()
    again = alice_client.put(url, {"role": "creator"}, content_type="application/json").json()
    assert (first["new_team"], again["new_team"]) == (True, False)
    assert again["avatar"] == _avatar("ops", "team")
