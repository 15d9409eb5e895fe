"""GET /api/v1/user/, POST /api/v1/organization/ and GET /api/v1/organization/{orgname}."""

from __future__ import annotations

from orgs.models import AuditLog, Organization
from orgs.services import team_create, team_member_add
from tests.api_fixtures import without_avatars


def test_current_user_sees_their_account_and_organizations(alice_client, alice, acme):
    alice.email = "alice@example.com"
    alice.save()
    body = alice_client.get("/api/v1/user/").json()
    assert body["username"] == "alice"
    assert body["email"] == "alice@example.com"
    assert body["anonymous"] is False
    assert body["super_user"] is False
    assert without_avatars(body["organizations"]) == [
        {
            "name": "acme",
            "is_org_admin": True,
            "can_create_repo": True,
            "public": False,
            "preferred_namespace": False,
        }
    ]


def test_current_user_shows_member_role_in_an_organization(bob_client, bob, acme):
    team_member_add(team=team_create(organization=acme, name="readers", role="member"), user=bob)
    organization = bob_client.get("/api/v1/user/").json()["organizations"][0]
    assert organization["is_org_admin"] is False
    assert organization["can_create_repo"] is False


def test_superuser_is_flagged(alice_client, settings):
    settings.SUPER_USERS = ["alice"]
    assert alice_client.get("/api/v1/user/").json()["super_user"] is True


def test_anonymous_current_user_gets_401(client, db):
    assert client.get("/api/v1/user/").status_code == 401


def test_create_organization_makes_caller_an_owner_and_is_audited(alice_client, alice):
    response = alice_client.post(
        "/api/v1/organization/",
        {"name": "initech", "email": "it@example.com"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json() == "Created"
    organization = Organization.objects.get(namespace__name="initech")
    assert organization.email == "it@example.com"
    assert organization.teams.get(name="owners").members.filter(pk=alice.pk).exists()
    assert AuditLog.objects.filter(kind="org_create", performer=alice, namespace_name="initech").exists()


def test_create_organization_with_a_taken_name_is_400(alice_client, bob):
    response = alice_client.post("/api/v1/organization/", {"name": "bob"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error_type"] == "invalid_request"


def test_create_organization_with_an_invalid_name_is_400(alice_client):
    response = alice_client.post("/api/v1/organization/", {"name": "No Way"}, content_type="application/json")
    assert response.status_code == 400


def test_create_organization_reserved_to_superusers_is_403(alice_client, settings):
    settings.FEATURE_SUPERUSERS_ORG_CREATION_ONLY = True
    response = alice_client.post(
        "/api/v1/organization/", {"name": "initech"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not Organization.objects.filter(namespace__name="initech").exists()


def test_anonymous_create_organization_is_401(client, db):
    response = client.post("/api/v1/organization/", {"name": "initech"}, content_type="application/json")
    assert response.status_code == 401


def test_organization_member_sees_teams(bob_client, bob, acme):
    team_member_add(team=team_create(organization=acme, name="readers", role="member"), user=bob)
    body = bob_client.get("/api/v1/organization/acme").json()
    assert body["is_member"] is True
    assert body["is_admin"] is False
    assert body["ordered_teams"] == ["owners", "readers"]
    assert body["teams"]["readers"]["can_view"] is True
    assert body["teams"]["owners"]["can_view"] is False
    assert body["teams"]["owners"]["member_count"] == 1


def test_organization_admin_sees_email_and_every_team(alice_client, acme):
    acme.email = "acme@example.com"
    acme.save()
    body = alice_client.get("/api/v1/organization/acme").json()
    assert body["is_admin"] is True
    assert body["email"] == "acme@example.com"
    assert body["teams"]["owners"]["can_view"] is True


def test_stranger_sees_only_the_organizations_public_name(bob_client, acme):
    acme.email = "acme@example.com"
    acme.save()
    body = without_avatars(bob_client.get("/api/v1/organization/acme").json())
    assert body == {"name": "acme", "email": "", "is_admin": False, "is_member": False}


def test_missing_organization_is_404(bob_client):
    response = bob_client.get("/api/v1/organization/nothing")
    assert response.status_code == 404
    assert response.json()["error_type"] == "not_found"
