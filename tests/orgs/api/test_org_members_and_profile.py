"""Organization PUT (email, tag_expiration_s), user PUT, public profiles, organization members and
collaborators, and a user's transitive permissions on a repository."""

from __future__ import annotations

from orgs.models import AuditLog, Namespace, TeamMember
from orgs.services import robot_create, team_create, team_member_add
from registry.services.permissions import permission_set
from tests.api_fixtures import repository_make, without_avatars
from tests.conftest import PASSWORD


def test_org_admin_sets_email_and_tag_expiration(alice_client, acme):
    response = alice_client.put(
        "/api/v1/organization/acme",
        {"email": "ops@acme.example", "tag_expiration_s": 86400},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["tag_expiration_s"] == 86400
    assert Namespace.objects.get(name="acme").time_machine_seconds == 86400
    acme.refresh_from_db()
    assert acme.email == "ops@acme.example"
    kinds = set(AuditLog.objects.filter(namespace_name="acme").values_list("kind", flat=True))
    assert {"org_change_email", "org_change_tag_expiration"} <= kinds


def test_tag_expiration_outside_the_options_is_refused_and_nothing_changes(alice_client, acme):
    response = alice_client.put(
        "/api/v1/organization/acme",
        {"email": "new@acme.example", "tag_expiration_s": 12345},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "tag_expiration_s" in response.json()["detail"]
    acme.refresh_from_db()
    assert (acme.email, acme.namespace.time_machine_seconds) == ("", None)


def test_org_member_may_not_change_it_and_stranger_gets_404(bob_client, bob, acme):
    body = {"tag_expiration_s": 0}
    assert (
        bob_client.put("/api/v1/organization/acme", body, content_type="application/json").status_code == 404
    )
    team_member_add(team=team_create(organization=acme, name="readers", role="member"), user=bob)
    assert (
        bob_client.put("/api/v1/organization/acme", body, content_type="application/json").status_code == 403
    )
    assert Namespace.objects.get(name="acme").time_machine_seconds is None


def test_user_sets_own_tag_expiration(alice_client, alice):
    response = alice_client.put("/api/v1/user/", {"tag_expiration_s": 0}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["tag_expiration_s"] == 0
    assert Namespace.objects.get(name="alice").time_machine_seconds == 0
    assert AuditLog.objects.filter(kind="user_change_tag_expiration", namespace_name="alice").exists()


def test_password_change_keeps_the_session(alice_client, alice):
    new_password = "another long password"
    response = alice_client.put("/api/v1/user/", {"password": new_password}, content_type="application/json")
    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.check_password(new_password) and not alice.check_password(PASSWORD)
    assert alice_client.get("/api/v1/user/").status_code == 200


def test_public_profile(bob_client, alice, acme):
    assert without_avatars(bob_client.get("/api/v1/users/alice").json()) == {
        "username": "alice",
        "is_robot": False,
    }
    assert bob_client.get("/api/v1/users/nobody").status_code == 404
    robot, _ = robot_create(namespace=acme.namespace, short_name="bot")
    assert bob_client.get(f"/api/v1/users/{robot.user.username}").status_code == 404


def test_members_with_teams_and_direct_grants(alice_client, acme, bob):
    repository = repository_make(acme, "app")
    team_member_add(team=team_create(organization=acme, name="devs", role="member"), user=bob)
    permission_set(repository=repository, user=bob, role="write")
    robot, _ = robot_create(namespace=acme.namespace, short_name="bot")
    team_member_add(team=acme.teams.get(name="devs"), user=robot.user)
    members = without_avatars(alice_client.get("/api/v1/organization/acme/members").json()["members"])
    assert members == [
        {"name": "alice", "kind": "user", "teams": [{"name": "owners"}], "repositories": []},
        {"name": "bob", "kind": "user", "teams": [{"name": "devs"}], "repositories": ["app"]},
    ]
    member = alice_client.get("/api/v1/organization/acme/members/acme+bot").json()
    assert (member["kind"], member["teams"]) == ("robot", [{"name": "devs"}])


def test_removing_a_member_drops_teams_and_grants(alice_client, acme, bob):
    repository = repository_make(acme, "app")
    team_member_add(team=team_create(organization=acme, name="devs", role="member"), user=bob)
    permission_set(repository=repository, user=bob, role="write")
    assert alice_client.delete("/api/v1/organization/acme/members/bob").status_code == 204
    assert not TeamMember.objects.filter(user=bob).exists()
    assert not repository.permissions.filter(user=bob).exists()
    row = AuditLog.objects.get(kind="org_remove_member")
    assert row.metadata == {"member": "bob", "teams": ["devs"], "repositories": ["app"]}
    assert alice_client.get("/api/v1/organization/acme/members/bob").status_code == 404


def test_the_last_owner_cannot_be_removed(alice_client, acme, alice):
    response = alice_client.delete("/api/v1/organization/acme/members/alice")
    assert response.status_code == 400
    assert TeamMember.objects.filter(user=alice, team__name="owners").exists()


def test_collaborators_hold_grants_outside_every_team(alice_client, acme, bob):
    permission_set(repository=repository_make(acme, "app"), user=bob, role="read")
    body = without_avatars(alice_client.get("/api/v1/organization/acme/collaborators").json())
    assert body == {"collaborators": [{"name": "bob", "kind": "user", "repositories": ["app"]}]}


def test_members_and_collaborators_are_for_admins(bob_client, bob, acme):
    assert bob_client.get("/api/v1/organization/acme/members").status_code == 404
    team_member_add(team=team_create(organization=acme, name="devs", role="member"), user=bob)
    assert bob_client.get("/api/v1/organization/acme/members").status_code == 403
    assert bob_client.get("/api/v1/organization/acme/collaborators").status_code == 403
    assert bob_client.delete("/api/v1/organization/acme/members/alice").status_code == 403


def test_transitive_permissions_list_direct_and_team_roles(alice_client, acme, bob):
    repository = repository_make(acme, "app")
    team = team_create(organization=acme, name="devs", role="member")
    team_member_add(team=team, user=bob)
    permission_set(repository=repository, team=team, role="write")
    permission_set(repository=repository, user=bob, role="read")
    url = "/api/v1/repository/acme/app/permissions/user/bob/transitive"
    assert alice_client.get(url).json() == {"permissions": [{"role": "write"}, {"role": "read"}]}
    assert (
        alice_client.get("/api/v1/repository/acme/app/permissions/user/alice/transitive").status_code == 404
    )


def test_transitive_permissions_of_an_unreadable_repository_are_not_found(bob_client, acme):
    repository_make(acme, "app")
    assert bob_client.get("/api/v1/repository/acme/app/permissions/user/bob/transitive").status_code == 404
