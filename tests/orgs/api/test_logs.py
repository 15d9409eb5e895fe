"""/api/v1/{repository/{repo},organization/{org},user}/logs and aggregatelogs."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from orgs.api import logs
from orgs.models import AuditLog
from orgs.services import robot_create, team_create, team_member_add
from registry.services.permissions import permission_set
from tests.api_fixtures import repository_make, without_avatars

LOG_FIELDS = {"kind", "metadata", "ip", "datetime", "performer"}


def test_organization_admin_reads_the_organizations_log(alice_client, acme):
    robot_create(namespace=acme.namespace, short_name="deployer", actor=None)
    body = alice_client.get("/api/v1/organization/acme/logs").json()
    assert set(body) == {"start_time", "end_time", "logs"}
    assert [log["kind"] for log in body["logs"]] == ["create_robot", "org_create"]
    created = body["logs"][1]
    assert set(created) == LOG_FIELDS
    assert without_avatars(created["performer"]) == {"kind": "user", "name": "alice", "is_robot": False}
    assert created["datetime"].endswith("-0000")


def test_organization_log_pages_with_next_page(alice_client, acme, monkeypatch):
    monkeypatch.setattr(logs, "LOGS_PER_PAGE", 1)
    robot_create(namespace=acme.namespace, short_name="deployer")
    first = alice_client.get("/api/v1/organization/acme/logs").json()
    assert [log["kind"] for log in first["logs"]] == ["create_robot"]
    second = alice_client.get("/api/v1/organization/acme/logs", {"next_page": first["next_page"]}).json()
    assert [log["kind"] for log in second["logs"]] == ["org_create"]
    assert "next_page" not in second


def test_log_window_excludes_older_days(alice_client, acme):
    AuditLog.objects.update(created=timezone.now() - timedelta(days=30))
    assert alice_client.get("/api/v1/organization/acme/logs").json()["logs"] == []
    day = (timezone.now() - timedelta(days=30)).strftime("%m/%d/%Y")
    body = alice_client.get("/api/v1/organization/acme/logs", {"starttime": day, "endtime": day}).json()
    assert [log["kind"] for log in body["logs"]] == ["org_create"]


def test_end_before_start_is_400(alice_client, acme):
    response = alice_client.get(
        "/api/v1/organization/acme/logs", {"starttime": "02/01/2024", "endtime": "01/01/2024"}
    )
    assert response.status_code == 400


def test_unreadable_day_falls_back_to_the_default_window_as_in_quay(alice_client, acme):
    body = alice_client.get("/api/v1/organization/acme/logs", {"starttime": "2024-01-01"}).json()
    assert [log["kind"] for log in body["logs"]] == ["org_create"]


def test_organization_log_filters_by_performer(alice_client, bob, acme):
    robot_create(namespace=acme.namespace, short_name="deployer")
    body = alice_client.get("/api/v1/organization/acme/logs", {"performer": "alice"}).json()
    assert [log["kind"] for log in body["logs"]] == ["org_create"]


def test_organization_aggregate_counts_per_day(alice_client, acme):
    robot_create(namespace=acme.namespace, short_name="first")
    robot_create(namespace=acme.namespace, short_name="second")
    body = alice_client.get("/api/v1/organization/acme/aggregatelogs").json()
    counts = {row["kind"]: row["count"] for row in body["aggregated"]}
    assert counts == {"create_robot": 2, "org_create": 1}
    assert set(body["aggregated"][0]) == {"kind", "count", "datetime"}


def test_organization_member_may_not_read_its_log(bob_client, bob, acme):
    team_member_add(team=team_create(organization=acme, name="readers", role="member"), user=bob)
    assert bob_client.get("/api/v1/organization/acme/logs").status_code == 403
    assert bob_client.get("/api/v1/organization/acme/aggregatelogs").status_code == 403


def test_stranger_sees_the_organizations_log_as_missing(bob_client, acme):
    assert bob_client.get("/api/v1/organization/acme/logs").status_code == 404


def test_repository_admin_reads_the_repositorys_log(alice_client, bob, acme):
    repository = repository_make(acme, "app")
    permission_set(repository=repository, role="read", user=bob, actor=None)
    body = alice_client.get("/api/v1/repository/acme/app/logs").json()
    assert [log["kind"] for log in body["logs"]] == ["add_repo_permission"]
    aggregated = alice_client.get("/api/v1/repository/acme/app/aggregatelogs").json()["aggregated"]
    assert [(row["kind"], row["count"]) for row in aggregated] == [("add_repo_permission", 1)]


def test_repository_log_pages_with_next_page(alice_client, bob, acme, monkeypatch):
    monkeypatch.setattr(logs, "LOGS_PER_PAGE", 1)
    repository = repository_make(acme, "app")
    permission_set(repository=repository, role="read", user=bob, actor=None)
    permission_set(repository=repository, role="write", user=bob, actor=None)
    first = alice_client.get("/api/v1/repository/acme/app/logs").json()
    assert len(first["logs"]) == 1 and first["next_page"]
    second = alice_client.get("/api/v1/repository/acme/app/logs", {"next_page": first["next_page"]}).json()
    assert len(second["logs"]) == 1 and "next_page" not in second
    assert first["logs"] != second["logs"]


def test_repository_reader_may_not_read_its_log(bob_client, bob, acme):
    permission_set(repository=repository_make(acme, "app"), role="write", user=bob)
    assert bob_client.get("/api/v1/repository/acme/app/logs").status_code == 403


def test_stranger_sees_a_private_repositorys_log_as_missing(bob_client, acme):
    repository_make(acme, "app")
    assert bob_client.get("/api/v1/repository/acme/app/logs").status_code == 404
    assert bob_client.get("/api/v1/repository/acme/app/aggregatelogs").status_code == 404


def test_user_log_holds_their_namespaces_events(bob_client, bob, acme):
    robot_create(namespace=bob.namespace, short_name="mine", actor=bob)
    body = bob_client.get("/api/v1/user/logs").json()
    assert [log["kind"] for log in body["logs"]] == ["create_robot", "user_create"]
    aggregated = bob_client.get("/api/v1/user/aggregatelogs", {"performer": "bob"}).json()["aggregated"]
    assert [(row["kind"], row["count"]) for row in aggregated] == [("create_robot", 1)]


def test_user_log_leaves_out_other_namespaces(bob_client, alice, acme):
    assert [log["kind"] for log in bob_client.get("/api/v1/user/logs").json()["logs"]] == ["user_create"]


def test_anonymous_user_log_is_401(client, db):
    assert client.get("/api/v1/user/logs").status_code == 401
