"""Entity lookup tells an organization's membership only to its members."""

from __future__ import annotations

from orgs.services import team_create, team_member_add, user_create

PARAMS = {"namespace": "acme", "includeTeams": "true", "includeOrgs": "true"}


def test_stranger_learns_nothing_of_an_organizations_membership(bob_client, acme, alice):
    results = bob_client.get("/api/v1/entities/al", PARAMS).json()["results"]
    assert [entity["name"] for entity in results] == ["alice"]
    assert "is_org_member" not in results[0]


def test_stranger_cannot_tell_members_from_non_members(bob_client, acme, alice, db):
    user_create(username="alfred", password="a password long enough")
    results = bob_client.get("/api/v1/entities/al", PARAMS).json()["results"]
    assert {entity["name"] for entity in results} == {"alice", "alfred"}
    assert all("is_org_member" not in entity for entity in results)
    assert all(entity["kind"] == "user" for entity in results)


def test_member_sees_who_belongs_to_the_organization(alice_client, acme, bob):
    team_member_add(team=team_create(organization=acme, name="devs", role="member"), user=bob)
    user_create(username="bobby", password="a password long enough")
    results = alice_client.get("/api/v1/entities/bob", PARAMS).json()["results"]
    membership = {entity["name"]: entity["is_org_member"] for entity in results}
    assert membership == {"bob": True, "bobby": False}
