"""/api/v1/organization/{org}/prototypes: the organization's default permissions."""

from __future__ import annotations

from orgs.models import AuditLog, DefaultPermission
from orgs.services import prototype_create, team_create, team_member_add
from tests.api_fixtures import without_avatars

PROTOTYPES = "/api/v1/organization/acme/prototypes"


def test_admin_creates_a_team_default(alice_client, alice, acme):
    team_create(organization=acme, name="readers", role="member")
    response = alice_client.post(
        PROTOTYPES,
        {"role": "read", "delegate": {"kind": "team", "name": "readers"}},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = without_avatars(response.json())
    assert body == {
        "id": str(DefaultPermission.objects.get().pk),
        "role": "read",
        "activating_user": None,
        "delegate": {"name": "readers", "kind": "team"},
    }
    assert AuditLog.objects.filter(kind="create_prototype_permission", performer=alice).exists()


def test_admin_creates_a_user_default_for_one_creator(alice_client, bob, acme):
    response = alice_client.post(
        PROTOTYPES,
        {"role": "write", "delegate": {"kind": "user", "name": "bob"}, "activating_user": {"name": "alice"}},
        content_type="application/json",
    )
    body = without_avatars(response.json())
    assert body["delegate"] == {"name": "bob", "kind": "user", "is_robot": False, "is_org_member": False}
    assert body["activating_user"]["name"] == "alice"


def test_admin_lists_defaults(alice_client, bob, acme):
    prototype_create(organization=acme, role="admin", delegate_user=bob)
    body = alice_client.get(PROTOTYPES).json()
    assert [(p["role"], p["delegate"]["name"]) for p in body["prototypes"]] == [("admin", "bob")]


def test_admin_deletes_a_default(alice_client, bob, acme):
    prototype = prototype_create(organization=acme, role="read", delegate_user=bob)
    assert alice_client.delete(f"{PROTOTYPES}/{prototype.pk}").status_code == 204
    assert not DefaultPermission.objects.exists()


def test_deleting_a_missing_default_is_404(alice_client, acme):
    assert alice_client.delete(f"{PROTOTYPES}/12345").status_code == 404
    assert alice_client.delete(f"{PROTOTYPES}/not-a-number").status_code == 404


def test_invalid_role_is_400(alice_client, bob, acme):
    response = alice_client.post(
        PROTOTYPES,
        {"role": "owner", "delegate": {"kind": "user", "name": "bob"}},
        content_type="application/json",
    )
    assert response.status_code == 400


def test_member_may_not_read_or_change_defaults(bob_client, bob, acme):
    team_member_add(team=team_create(organization=acme, name="builders", role="creator"), user=bob)
    assert bob_client.get(PROTOTYPES).status_code == 403
    response = bob_client.post(
        PROTOTYPES,
        {"role": "admin", "delegate": {"kind": "user", "name": "bob"}},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not DefaultPermission.objects.exists()


def test_stranger_sees_the_defaults_as_missing(bob_client, bob, acme):
    prototype = prototype_create(organization=acme, role="read", delegate_user=bob)
    assert bob_client.get(PROTOTYPES).status_code == 404
    assert bob_client.delete(f"{PROTOTYPES}/{prototype.pk}").status_code == 404
    assert DefaultPermission.objects.exists()


def test_admin_changes_the_role_of_a_default(alice_client, alice, bob, acme):
    prototype = prototype_create(organization=acme, role="read", delegate_user=bob)
    response = alice_client.put(
        f"{PROTOTYPES}/{prototype.pk}", {"role": "admin"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["role"]) == (str(prototype.pk), "admin")
    prototype.refresh_from_db()
    assert prototype.role == "admin"
    row = AuditLog.objects.get(kind="modify_prototype_permission")
    assert (row.performer, row.metadata["role"], row.metadata["original_role"]) == (alice, "admin", "read")


def test_changing_a_default_needs_a_valid_role_and_an_existing_default(alice_client, bob, acme):
    prototype = prototype_create(organization=acme, role="read", delegate_user=bob)
    assert (
        alice_client.put(
            f"{PROTOTYPES}/{prototype.pk}", {"role": "owner"}, content_type="application/json"
        ).status_code
        == 400
    )
    assert (
        alice_client.put(
            f"{PROTOTYPES}/999999", {"role": "read"}, content_type="application/json"
        ).status_code
        == 404
    )


def test_member_may_not_change_a_default(bob_client, bob, acme):
    team_member_add(team=team_create(organization=acme, name="readers", role="member"), user=bob)
    prototype = prototype_create(organization=acme, role="read", delegate_user=bob)
    response = bob_client.put(
        f"{PROTOTYPES}/{prototype.pk}", {"role": "admin"}, content_type="application/json"
    )
    assert response.status_code == 403
    prototype.refresh_from_db()
    assert prototype.role == "read"
