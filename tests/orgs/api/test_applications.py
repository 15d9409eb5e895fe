"""OAuth applications of an organization and an administrator's generated token, on Quay's paths."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client
from oauth2_provider.models import AccessToken, Application

from orgs.models import AuditLog, OrganizationApplication
from orgs.services import team_create, team_member_add

BASE = "/api/v1/organization/acme/applications"


@pytest.fixture
def created(alice_client, acme) -> dict:
    response = alice_client.post(
        BASE,
        {"name": "deployer", "redirect_uri": "https://ci.example.com/cb", "description": "CI"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_create_returns_the_secret_once_and_is_audited(alice_client, created):
    application = Application.objects.get(client_id=created["client_id"])
    assert check_password(created["client_secret"], application.client_secret)
    assert OrganizationApplication.objects.get(application=application).organization.namespace.name == "acme"
    shown = alice_client.get(f"{BASE}/{created['client_id']}").json()
    assert shown["client_secret"] is None
    assert (shown["name"], shown["description"]) == ("deployer", "CI")
    row = AuditLog.objects.get(kind="create_application")
    assert (row.namespace_name, row.metadata["client_id"]) == ("acme", created["client_id"])


def test_list_update_reset_and_delete(alice_client, created):
    client_id = created["client_id"]
    assert [app["client_id"] for app in alice_client.get(BASE).json()["applications"]] == [client_id]
    updated = alice_client.put(
        f"{BASE}/{client_id}",
        {
            "name": "builder",
            "redirect_uri": "https://b.example.com/cb",
            "application_uri": "https://b.example.com",
        },
        content_type="application/json",
    )
    assert updated.status_code == 200
    assert updated.json()["redirect_uri"] == "https://b.example.com/cb"
    reset = alice_client.post(f"{BASE}/{client_id}/resetclientsecret").json()
    stored = Application.objects.get(client_id=client_id).client_secret
    assert check_password(reset["client_secret"], stored)
    assert not check_password(created["client_secret"], stored)
    assert alice_client.delete(f"{BASE}/{client_id}").status_code == 204
    assert not Application.objects.filter(client_id=client_id).exists()
    kinds = set(AuditLog.objects.values_list("kind", flat=True))
    assert {"update_application", "reset_application_client_secret", "delete_application"} <= kinds


def test_bad_redirect_uri_is_refused_and_nothing_is_created(alice_client, acme):
    response = alice_client.post(
        BASE, {"name": "x", "redirect_uri": "not a uri"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert not Application.objects.exists()


def test_member_gets_403_and_stranger_404(bob_client, bob, acme, created):
    assert bob_client.get(BASE).status_code == 404
    assert bob_client.get(f"{BASE}/{created['client_id']}").status_code == 404
    team_member_add(team=team_create(organization=acme, name="readers", role="member"), user=bob)
    assert bob_client.get(BASE).status_code == 403
    assert bob_client.post(f"{BASE}/{created['client_id']}/resetclientsecret").status_code == 403


def test_another_organizations_application_is_not_found(bob_client, bob, created):
    bob_client.post("/api/v1/organization/", {"name": "globex"}, content_type="application/json")
    assert (
        bob_client.get(f"/api/v1/organization/globex/applications/{created['client_id']}").status_code == 404
    )


def test_admin_generates_a_token_with_the_scopes_chosen(alice_client, alice, created):
    response = alice_client.post(
        f"{BASE}/{created['client_id']}/token",
        {"scopes": ["repo:read", "user:read"]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["scope"] == "repo:read user:read"
    assert AccessToken.objects.get(application__client_id=created["client_id"]).user == alice
    me = Client().get("/api/v1/user/", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert me.json()["username"] == "alice"
    assert AuditLog.objects.filter(kind="oauth_token_assigned").count() == 1


def test_token_with_an_unknown_scope_is_refused(alice_client, created):
    response = alice_client.post(
        f"{BASE}/{created['client_id']}/token",
        {"scopes": ["repo:everything"]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert not AccessToken.objects.exists()


def test_the_scopes_to_choose_from_are_listed(alice_client, created):
    scopes = alice_client.get(f"{BASE}/{created['client_id']}/token").json()["scopes"]
    assert {"scope": "repo:create", "description": "Create Repositories"} in scopes
    assert len(scopes) == 8
