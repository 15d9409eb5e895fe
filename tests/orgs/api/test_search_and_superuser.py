"""Repository search and entity lookup show only what the caller may see; the superuser API is
for superusers only and audited."""

from __future__ import annotations

import pytest
from django.test import Client

from orgs.models import AuditLog, Namespace, Organization, User
from orgs.services import robot_create, team_create
from tests.api_fixtures import repository_make, without_avatars


def _names(body: dict) -> list[str]:
    return [f"{result['namespace']['name']}/{result['name']}" for result in body["results"]]


def test_search_finds_public_and_readable_repositories_only(alice_client, bob_client, acme):
    repository_make(acme, "app-public", public=True)
    repository_make(acme, "app-private")
    assert _names(alice_client.get("/api/v1/find/repositories", {"query": "app"}).json()) == [
        "acme/app-private",
        "acme/app-public",
    ]
    assert _names(bob_client.get("/api/v1/find/repositories", {"query": "app"}).json()) == ["acme/app-public"]
    assert _names(Client().get("/api/v1/find/repositories", {"query": "private"}).json()) == []


def test_search_pages(alice_client, acme):
    for index in range(12):
        repository_make(acme, f"repo{index:02d}")
    first = alice_client.get("/api/v1/find/repositories", {"query": "repo"}).json()
    second = alice_client.get("/api/v1/find/repositories", {"query": "repo", "page": 2}).json()
    assert (len(first["results"]), first["has_additional"]) == (10, True)
    assert (len(second["results"]), second["has_additional"], second["start_index"]) == (2, False, 10)
    assert set(_names(first)).isdisjoint(_names(second))


def test_entities_show_users_and_the_namespace_robots_and_teams_to_members(
    alice_client, bob_client, acme, bob
):
    robot_create(namespace=acme.namespace, short_name="builder")
    team_create(organization=acme, name="backend", role="member")
    params = {"namespace": "acme", "includeTeams": "true", "includeOrgs": "true"}
    results = alice_client.get("/api/v1/entities/b", params).json()["results"]
    assert {(entity["name"], entity["kind"]) for entity in results} == {
        ("backend", "team"),
        ("bob", "user"),
        ("acme+builder", "user"),
    }
    robot = next(entity for entity in results if entity["name"] == "acme+builder")
    assert robot["is_robot"] is True and robot["is_org_member"] is True
    assert without_avatars(alice_client.get("/api/v1/entities/ac", params).json()["results"][-1]) == {
        "name": "acme",
        "kind": "org",
        "is_org_member": True,
    }
    # A stranger to acme sees people, never its robots or teams.
    strangers_view = bob_client.get("/api/v1/entities/b", params).json()["results"]
    assert [(entity["name"], entity["kind"]) for entity in strangers_view] == [("bob", "user")]


@pytest.fixture
def root_client(db, settings) -> Client:
    from orgs.services import user_create

    settings.SUPER_USERS = ["root"]
    client = Client()
    client.force_login(user_create(username="root", password="root password long"))
    return client


def test_superuser_lists_and_creates_users(root_client, alice, bob):
    names = [user["username"] for user in root_client.get("/api/v1/superuser/users/").json()["users"]]
    assert names == ["alice", "bob", "root"]
    created = root_client.post(
        "/api/v1/superuser/users/",
        {"username": "dave", "email": "dave@example.com"},
        content_type="application/json",
    ).json()
    assert User.objects.get(username="dave").check_password(created["password"])
    performer = AuditLog.objects.get(kind="user_create", metadata__username="dave").performer
    assert performer is not None and performer.username == "root"


def test_superuser_disables_and_reenables_a_user(root_client, bob):
    response = root_client.put(
        "/api/v1/superuser/users/bob", {"enabled": False}, content_type="application/json"
    )
    assert response.json()["enabled"] is False
    bob.refresh_from_db()
    assert not bob.is_active
    assert root_client.get("/api/v1/superuser/users/bob").json()["enabled"] is False
    root_client.put("/api/v1/superuser/users/bob", {"enabled": True}, content_type="application/json")
    assert list(
        AuditLog.objects.filter(metadata__username="bob").values_list("kind", flat=True).order_by("pk")
    )[-2:] == ["user_disable", "user_enable"]


def test_superuser_may_not_change_another_superuser(root_client, alice, settings):
    settings.SUPER_USERS = ["root", "alice"]
    response = root_client.put(
        "/api/v1/superuser/users/alice", {"enabled": False}, content_type="application/json"
    )
    assert response.status_code == 403
    alice.refresh_from_db()
    assert alice.is_active


def test_superuser_deletes_a_user_without_repositories_only(root_client, alice, bob):
    repository_make(alice, "mine")
    assert root_client.delete("/api/v1/superuser/users/alice").status_code == 400
    assert root_client.delete("/api/v1/superuser/users/bob").status_code == 204
    assert not User.objects.filter(username="bob").exists()
    assert not Namespace.objects.filter(name="bob").exists()
    assert AuditLog.objects.filter(kind="user_delete", namespace_name="bob").exists()


def test_superuser_lists_renames_and_sets_email_of_organizations(root_client, acme):
    assert without_avatars(root_client.get("/api/v1/superuser/organizations/").json()["organizations"]) == [
        {"name": "acme", "email": ""}
    ]
    response = root_client.put(
        "/api/v1/superuser/organizations/acme",
        {"name": "acme2", "email": "o@acme.example"},
        content_type="application/json",
    )
    assert without_avatars(response.json()) == {"name": "acme2", "email": "o@acme.example"}
    assert Organization.objects.get(namespace__name="acme2").email == "o@acme.example"
    assert AuditLog.objects.filter(kind="org_change_name", performer__username="root").exists()


def test_everyone_else_gets_403_from_the_superuser_api(alice_client, acme, bob):
    assert alice_client.get("/api/v1/superuser/users/").status_code == 403
    assert (
        alice_client.put(
            "/api/v1/superuser/users/bob", {"enabled": False}, content_type="application/json"
        ).status_code
        == 403
    )
    assert (
        alice_client.put(
            "/api/v1/superuser/organizations/acme", {"name": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert Client().get("/api/v1/superuser/organizations/").status_code == 401
    bob.refresh_from_db()
    assert bob.is_active


def test_management_audit_rows_carry_ip_and_credential(alice_client, alice, acme):
    alice_client.put(
        "/api/v1/organization/acme/team/devs",
        {"role": "member"},
        content_type="application/json",
        REMOTE_ADDR="10.1.2.3",
    )
    row = AuditLog.objects.get(kind="org_create_team")
    assert (row.ip, row.credential, row.performer) == ("10.1.2.3", "session", alice)


def test_oauth_management_rows_say_oauth(alice, acme):
    from oauth2_provider.models import Application

    from orgs.models import OrganizationApplication
    from orgs.oauth import oauth_token_generate

    application = Application.objects.create(
        name="a", client_type="confidential", authorization_grant_type="authorization-code", redirect_uris=""
    )
    OrganizationApplication.objects.create(application=application, organization=acme)
    _, token = oauth_token_generate(application=application, user=alice, scopes=["org:admin"], actor=alice)
    Client().put(
        "/api/v1/organization/acme/team/ops",
        {"role": "member"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        REMOTE_ADDR="2001:db8::7",
    )
    row = AuditLog.objects.get(kind="org_create_team")
    assert (row.ip, row.credential) == ("2001:db8::7", "oauth")


def test_outside_a_request_rows_carry_no_ip(acme):
    team_create(organization=acme, name="batch", role="member")
    row = AuditLog.objects.get(kind="org_create_team")
    assert (row.ip, row.credential) == (None, "")


def test_superuser_api_does_not_treat_robots_as_users(root_client, acme):
    robot_create(namespace=acme.namespace, short_name="builder")
    assert root_client.get("/api/v1/superuser/users/acme+builder").status_code == 404
    listed = [user["username"] for user in root_client.get("/api/v1/superuser/users/").json()["users"]]
    assert "acme+builder" not in listed


def test_superuser_user_list_pages_with_next_page(root_client, alice, bob, monkeypatch):
    import orgs.api.superuser

    monkeypatch.setattr(orgs.api.superuser, "PAGE_SIZE", 2)
    first = root_client.get("/api/v1/superuser/users/").json()
    second = root_client.get("/api/v1/superuser/users/", {"next_page": first["next_page"]}).json()
    assert [user["username"] for user in first["users"]] == ["alice", "bob"]
    assert [user["username"] for user in second["users"]] == ["root"]
    assert "next_page" not in second
    assert root_client.get("/api/v1/superuser/users/", {"next_page": "forged"}).status_code == 400
