"""/api/v1/user/robots and /api/v1/organization/{org}/robots: the token only on create and regenerate."""

from __future__ import annotations

import pytest

from orgs.models import AuditLog, RobotAccount
from orgs.services import robot_create, robot_verify, team_create, team_member_add
from registry.services.permissions import permission_set
from tests.api_fixtures import repository_make

ROBOT_FIELDS = {"name", "description", "created", "last_accessed", "unstructured_metadata", "avatar"}


@pytest.mark.parametrize(
    ("prefix", "robot_name"),
    [("/api/v1/user/robots", "alice+deployer"), ("/api/v1/organization/acme/robots", "acme+deployer")],
)
def test_admin_creates_a_robot_and_sees_its_token_once(alice_client, acme, prefix, robot_name):
    response = alice_client.put(f"{prefix}/deployer", {"description": "CI"}, content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == ROBOT_FIELDS | {"token"}
    assert (body["name"], body["description"]) == (robot_name, "CI")
    assert robot_verify(username=robot_name, token=body["token"]) is not None
    assert "token" not in alice_client.get(f"{prefix}/deployer").json()
    listed = alice_client.get(prefix).json()["robots"]
    assert [set(robot) for robot in listed] == [ROBOT_FIELDS]


def test_robot_creation_is_audited(alice_client, alice, acme):
    alice_client.put("/api/v1/organization/acme/robots/deployer", {}, content_type="application/json")
    assert AuditLog.objects.filter(kind="create_robot", performer=alice, namespace_name="acme").exists()


def test_taken_robot_name_is_400(alice_client, acme):
    robot_create(namespace=acme.namespace, short_name="deployer")
    response = alice_client.put(
        "/api/v1/organization/acme/robots/deployer", {}, content_type="application/json"
    )
    assert response.status_code == 400


def test_regenerate_returns_a_new_token_and_stops_the_old(alice_client, acme):
    _, old = robot_create(namespace=acme.namespace, short_name="deployer")
    response = alice_client.post("/api/v1/organization/acme/robots/deployer/regenerate")
    assert response.status_code == 200
    new = response.json()["token"]
    assert robot_verify(username="acme+deployer", token=old) is None
    assert robot_verify(username="acme+deployer", token=new) is not None


def test_user_regenerates_their_own_robot(alice_client, alice):
    robot_create(namespace=alice.namespace, short_name="deployer")
    response = alice_client.post("/api/v1/user/robots/deployer/regenerate")
    assert response.status_code == 200
    assert robot_verify(username="alice+deployer", token=response.json()["token"]) is not None


def test_admin_deletes_a_robot(alice_client, acme):
    robot_create(namespace=acme.namespace, short_name="deployer")
    assert alice_client.delete("/api/v1/organization/acme/robots/deployer").status_code == 204
    assert not RobotAccount.objects.exists()


def test_missing_robot_is_404(alice_client, acme):
    assert alice_client.get("/api/v1/organization/acme/robots/nothing").status_code == 404


def test_organization_member_may_not_manage_robots(bob_client, bob, acme):
    team_member_add(team=team_create(organization=acme, name="readers", role="creator"), user=bob)
    robot_create(namespace=acme.namespace, short_name="deployer")
    assert bob_client.get("/api/v1/organization/acme/robots/deployer").status_code == 403
    assert bob_client.post("/api/v1/organization/acme/robots/deployer/regenerate").status_code == 403
    assert (
        bob_client.put(
            "/api/v1/organization/acme/robots/other", {}, content_type="application/json"
        ).status_code
        == 403
    )
    assert RobotAccount.objects.count() == 1


def test_stranger_sees_an_organizations_robots_as_missing(bob_client, acme):
    robot_create(namespace=acme.namespace, short_name="deployer")
    assert bob_client.get("/api/v1/organization/acme/robots/deployer").status_code == 404
    assert bob_client.delete("/api/v1/organization/acme/robots/deployer").status_code == 404
    assert RobotAccount.objects.count() == 1


def test_user_robots_are_their_own(bob_client, alice):
    robot_create(namespace=alice.namespace, short_name="deployer")
    assert bob_client.get("/api/v1/user/robots").json() == {"robots": []}
    assert bob_client.get("/api/v1/user/robots/deployer").status_code == 404


def test_anonymous_robot_list_is_401(client, db):
    assert client.get("/api/v1/user/robots").status_code == 401


def test_organization_member_lists_robots_without_tokens(bob_client, bob, acme):
    team_member_add(team=team_create(organization=acme, name="readers", role="member"), user=bob)
    robot_create(namespace=acme.namespace, short_name="deployer")
    robots = bob_client.get("/api/v1/organization/acme/robots").json()["robots"]
    assert [(robot["name"], set(robot)) for robot in robots] == [("acme+deployer", ROBOT_FIELDS)]


def test_robot_dates_are_quays_rfc_2822(alice_client, acme):
    robot_create(namespace=acme.namespace, short_name="deployer")
    body = alice_client.get("/api/v1/organization/acme/robots/deployer").json()
    assert body["created"].endswith("-0000")
    assert body["last_accessed"] is None


def _robot_with_reach(acme):
    robot, _ = robot_create(namespace=acme.namespace, short_name="deployer")
    team_member_add(team=team_create(organization=acme, name="pushers", role="member"), user=robot.user)
    permission_set(repository=repository_make(acme, "app"), user=robot.user, role="write")
    repository_make(acme, "other")
    return robot


def test_admin_lists_robots_with_their_teams_and_repositories(alice_client, acme):
    _robot_with_reach(acme)
    robot_create(namespace=acme.namespace, short_name="idle")
    robots = alice_client.get("/api/v1/organization/acme/robots", {"permissions": "true"}).json()["robots"]
    by_name = {robot["name"]: robot for robot in robots}
    assert [team["name"] for team in by_name["acme+deployer"]["teams"]] == ["pushers"]
    assert by_name["acme+deployer"]["teams"][0]["avatar"]["kind"] == "team"
    assert by_name["acme+deployer"]["repositories"] == ["app"]
    assert (by_name["acme+idle"]["teams"], by_name["acme+idle"]["repositories"]) == ([], [])


def test_robot_list_without_permissions_names_no_teams(alice_client, acme):
    _robot_with_reach(acme)
    robots = alice_client.get("/api/v1/organization/acme/robots").json()["robots"]
    assert "teams" not in robots[0] and "repositories" not in robots[0]


def test_member_asking_for_permissions_gets_the_plain_list(bob_client, bob, acme):
    team_member_add(team=team_create(organization=acme, name="readers", role="member"), user=bob)
    _robot_with_reach(acme)
    robots = bob_client.get("/api/v1/organization/acme/robots", {"permissions": "true"}).json()["robots"]
    assert [set(robot) for robot in robots] == [ROBOT_FIELDS]


def test_admin_reads_a_robots_permissions(alice_client, acme):
    _robot_with_reach(acme)
    response = alice_client.get("/api/v1/organization/acme/robots/deployer/permissions")
    assert response.status_code == 200
    assert response.json() == {
        "permissions": [{"repository": {"name": "app", "is_public": False}, "role": "write"}]
    }


def test_users_own_robot_permissions(alice_client, alice):
    robot, _ = robot_create(namespace=alice.namespace, short_name="mine")
    repository = repository_make(alice, "tool", public=True)
    permission_set(repository=repository, user=robot.user, role="read")
    body = alice_client.get("/api/v1/user/robots/mine/permissions").json()
    assert body == {"permissions": [{"repository": {"name": "tool", "is_public": True}, "role": "read"}]}


def test_robot_permissions_are_for_admins(bob_client, bob, acme):
    team_member_add(team=team_create(organization=acme, name="readers", role="member"), user=bob)
    _robot_with_reach(acme)
    assert bob_client.get("/api/v1/organization/acme/robots/deployer/permissions").status_code == 403
    assert bob_client.get("/api/v1/organization/acme/robots/nobody/permissions").status_code == 403
