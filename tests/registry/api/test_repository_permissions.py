"""/api/v1/repository/{repo}/permissions/user/ and /permissions/team/: direct grants, admin only."""

from __future__ import annotations

from orgs.models import AuditLog, RepositoryPermission
from orgs.services import organization_create, robot_create, team_create
from registry.services.permissions import permission_set
from tests.api_fixtures import repository_make, without_avatars

USERS = "/api/v1/repository/acme/app/permissions/user/"
TEAMS = "/api/v1/repository/acme/app/permissions/team/"


def put(client, url, role):
    return client.put(url, {"role": role}, content_type="application/json")


def test_admin_grants_a_user_and_reads_it_back(alice_client, alice, bob, acme):
    repository = repository_make(acme, "app")
    response = put(alice_client, USERS + "bob", "write")
    assert response.status_code == 200
    assert without_avatars(response.json()) == {
        "name": "bob",
        "role": "write",
        "is_robot": False,
        "is_org_member": False,
    }
    assert RepositoryPermission.objects.get(repository=repository, user=bob).role == "write"
    assert alice_client.get(USERS + "bob").json()["role"] == "write"
    assert AuditLog.objects.filter(
        kind="add_repo_permission", performer=alice, repository=repository
    ).exists()


def test_admin_lists_user_and_robot_grants(alice_client, bob, acme):
    repository = repository_make(acme, "app")
    robot, _ = robot_create(namespace=acme.namespace, short_name="deployer")
    permission_set(repository=repository, role="read", user=bob)
    permission_set(repository=repository, role="write", user=robot.user)
    body = alice_client.get(USERS).json()
    assert set(body["permissions"]) == {"bob", "acme+deployer"}
    assert body["permissions"]["acme+deployer"]["is_robot"] is True


def test_admin_changes_and_deletes_a_grant(alice_client, bob, acme):
    repository = repository_make(acme, "app")
    permission_set(repository=repository, role="read", user=bob)
    assert put(alice_client, USERS + "bob", "admin").json()["role"] == "admin"
    assert alice_client.delete(USERS + "bob").status_code == 204
    assert not RepositoryPermission.objects.filter(user=bob).exists()


def test_user_without_a_grant_is_404(alice_client, bob, acme):
    repository_make(acme, "app")
    assert alice_client.get(USERS + "bob").status_code == 404
    assert alice_client.delete(USERS + "bob").status_code == 404


def test_invalid_role_is_400(alice_client, bob, acme):
    repository_make(acme, "app")
    assert put(alice_client, USERS + "bob", "owner").status_code == 400


def test_admin_grants_a_team(alice_client, acme):
    repository = repository_make(acme, "app")
    team = team_create(organization=acme, name="readers", role="member")
    response = put(alice_client, TEAMS + "readers", "read")
    assert without_avatars(response.json()) == {"name": "readers", "role": "read"}
    assert RepositoryPermission.objects.get(repository=repository, team=team).role == "read"
    assert without_avatars(alice_client.get(TEAMS).json()) == {
        "permissions": {"readers": {"name": "readers", "role": "read"}}
    }
    assert alice_client.get(TEAMS + "readers").json()["role"] == "read"
    assert alice_client.delete(TEAMS + "readers").status_code == 204


def test_team_of_another_organization_is_404(alice_client, bob, acme):
    repository_make(acme, "app")
    other = organization_create(name="globex", creator=bob)
    team_create(organization=other, name="spies", role="member")
    assert put(alice_client, TEAMS + "spies", "read").status_code == 404


def test_writer_may_not_read_or_change_grants(bob_client, bob, acme):
    repository = repository_make(acme, "app")
    permission_set(repository=repository, role="write", user=bob)
    assert bob_client.get(USERS).status_code == 403
    assert put(bob_client, USERS + "bob", "admin").status_code == 403
    assert bob_client.delete(TEAMS + "owners").status_code == 403
    assert RepositoryPermission.objects.get(user=bob).role == "write"


def test_stranger_sees_a_private_repositorys_grants_as_missing(bob_client, acme):
    repository_make(acme, "app")
    assert bob_client.get(USERS).status_code == 404
    assert put(bob_client, USERS + "bob", "admin").status_code == 404
    assert bob_client.get("/api/v1/repository/acme/nothing/permissions/user/").status_code == 404
    assert not RepositoryPermission.objects.exists()


def test_stranger_may_not_read_a_public_repositorys_grants(bob_client, acme):
    repository_make(acme, "app", public=True)
    assert bob_client.get(USERS).status_code == 403
