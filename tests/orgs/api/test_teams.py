"""/api/v1/organization/{org}/team/{team} and its members."""

from __future__ import annotations

import pytest

from orgs.models import AuditLog, Team
from orgs.services import robot_create, team_create, team_member_add, user_create
from tests.api_fixtures import without_avatars


@pytest.fixture
def carol(db):
    return user_create(username="carol", password="correct horse battery")


def put_team(client, name="builders", **body):
    return client.put(
        f"/api/v1/organization/acme/team/{name}", {"role": "member", **body}, content_type="application/json"
    )


def test_admin_creates_a_team(alice_client, alice, acme):
    response = put_team(alice_client, role="creator", description="they build")
    assert response.status_code == 200
    assert without_avatars(response.json()) == {
        "name": "builders",
        "description": "they build",
        "role": "creator",
        "can_view": True,
        "repo_count": 0,
        "member_count": 0,
        "is_synced": False,
        "new_team": True,
    }
    assert Team.objects.get(organization=acme, name="builders").role == "creator"
    assert AuditLog.objects.filter(kind="org_create_team", performer=alice).exists()


def test_admin_changes_role_and_description(alice_client, alice, acme):
    team_create(organization=acme, name="builders", role="member")
    body = put_team(alice_client, role="admin", description="now admins").json()
    assert (body["role"], body["description"]) == ("admin", "now admins")
    assert AuditLog.objects.filter(kind="org_set_team_description", performer=alice).exists()


def test_invalid_team_role_is_400(alice_client, acme):
    assert put_team(alice_client, role="owner").status_code == 400


def test_member_may_not_create_a_team(bob_client, bob, acme):
    team_member_add(team=team_create(organization=acme, name="readers", role="member"), user=bob)
    assert put_team(bob_client).status_code == 403
    assert not Team.objects.filter(name="builders").exists()


def test_stranger_sees_the_organizations_teams_as_missing(bob_client, acme):
    assert put_team(bob_client).status_code == 404
    assert bob_client.get("/api/v1/organization/acme/team/owners/members").status_code == 404


def test_admin_deletes_a_team(alice_client, acme):
    team_create(organization=acme, name="builders", role="member")
    assert alice_client.delete("/api/v1/organization/acme/team/builders").status_code == 204
    assert not Team.objects.filter(name="builders").exists()


def test_owners_team_cannot_be_deleted(alice_client, acme):
    assert alice_client.delete("/api/v1/organization/acme/team/owners").status_code == 400


def test_deleting_a_missing_team_is_404(alice_client, acme):
    assert alice_client.delete("/api/v1/organization/acme/team/nothing").status_code == 404


def test_admin_lists_members_with_robots_flagged(alice_client, acme):
    robot, _ = robot_create(namespace=acme.namespace, short_name="deployer")
    team_member_add(team=acme.teams.get(name="owners"), user=robot.user)
    body = alice_client.get("/api/v1/organization/acme/team/owners/members").json()
    assert body["name"] == "owners"
    assert body["can_edit"] is True
    assert without_avatars(body["members"]) == [
        {"name": "acme+deployer", "kind": "user", "is_robot": True, "invited": False},
        {"name": "alice", "kind": "user", "is_robot": False, "invited": False},
    ]


def test_team_member_sees_their_team_but_cannot_edit(bob_client, bob, acme):
    team_member_add(team=team_create(organization=acme, name="readers", role="member"), user=bob)
    body = bob_client.get("/api/v1/organization/acme/team/readers/members").json()
    assert body["can_edit"] is False
    assert [member["name"] for member in body["members"]] == ["bob"]


def test_member_of_another_team_may_not_see_its_members(bob_client, bob, acme):
    team_member_add(team=team_create(organization=acme, name="readers", role="member"), user=bob)
    assert bob_client.get("/api/v1/organization/acme/team/owners/members").status_code == 403


def test_admin_adds_and_removes_a_member(alice_client, alice, bob, acme):
    team = team_create(organization=acme, name="builders", role="member")
    response = alice_client.put("/api/v1/organization/acme/team/builders/members/bob")
    assert response.status_code == 200
    assert response.json()["name"] == "bob"
    assert team.members.filter(pk=bob.pk).exists()
    assert alice_client.delete("/api/v1/organization/acme/team/builders/members/bob").status_code == 204
    assert not team.members.filter(pk=bob.pk).exists()
    assert AuditLog.objects.filter(kind="org_remove_team_member", performer=alice).exists()


def test_adding_a_member_twice_is_400(alice_client, bob, acme):
    team_member_add(team=team_create(organization=acme, name="builders", role="member"), user=bob)
    assert alice_client.put("/api/v1/organization/acme/team/builders/members/bob").status_code == 400


def test_adding_a_missing_user_is_404(alice_client, acme):
    assert alice_client.put("/api/v1/organization/acme/team/owners/members/nobody").status_code == 404


def test_member_may_not_add_members(bob_client, bob, carol, acme):
    team_member_add(team=team_create(organization=acme, name="readers", role="member"), user=bob)
    assert bob_client.put("/api/v1/organization/acme/team/readers/members/carol").status_code == 403


def test_last_owner_cannot_be_removed(alice_client, acme):
    assert alice_client.delete("/api/v1/organization/acme/team/owners/members/alice").status_code == 400
