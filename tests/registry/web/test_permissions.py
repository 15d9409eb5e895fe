"""Pages enforce what the API enforces: what a person may not use is neither shown nor served."""

from __future__ import annotations

import pytest
from django.test import Client

from orgs.models import AuditLog, RepositoryPermission, RobotAccount
from registry.models import Repository
from registry.services.permissions import permission_set


@pytest.mark.django_db
def test_member_without_admin_sees_no_settings_and_is_refused_them(
    bob_web, acme_app, bob_in_acme_readers, bob
):
    permission_set(repository=acme_app, user=bob, role="write")
    page = bob_web.get("/repository/acme/app/").content.decode()
    assert 'id="settings-tab"' not in page
    assert bob_web.get("/repository/acme/app/-/settings").status_code == 403
    response = bob_web.post("/repository/acme/app/-/settings/visibility", {"visibility": "public"})
    assert response.status_code == 403
    acme_app.refresh_from_db()
    assert not acme_app.is_public


def test_admin_sees_the_settings_tab(alice_web, acme_app):
    assert 'id="settings-tab"' in alice_web.get("/repository/acme/app/").content.decode()


def test_stranger_gets_404_for_a_private_repository_and_an_organization(bob_web, acme_app):
    assert bob_web.get("/repository/acme/app/").status_code == 404
    assert bob_web.get("/repository/acme/app/-/settings").status_code == 404
    assert bob_web.get("/organization/acme/").status_code == 404
    assert bob_web.post("/organization/acme/robots/", {"name": "sneaky"}).status_code == 404
    assert not RobotAccount.objects.exists()


def test_anonymous_reads_a_public_repository_but_not_a_private_one(client, acme, acme_app):
    assert client.get("/repository/acme/app/").status_code == 404
    Repository.objects.filter(pk=acme_app.pk).update(is_public=True)
    page = client.get("/repository/acme/app/").content.decode()
    assert "The acme app" in page and 'id="settings-tab"' not in page


def test_organization_member_sees_no_admin_tabs_and_is_refused_them(bob_web, acme, bob_in_acme_readers):
    page = bob_web.get("/organization/acme/").content.decode()
    assert "Robot accounts" not in page and "Usage logs" not in page
    for path in ("robots/", "defaults/", "logs/"):
        assert bob_web.get(f"/organization/acme/{path}").status_code == 403, path
    assert bob_web.post("/organization/acme/teams/", {"name": "rogue", "role": "admin"}).status_code == 403


def test_pages_for_signed_in_people_send_anonymous_visitors_to_sign_in(client, acme):
    response = client.get("/organization/acme/")
    assert response.status_code == 302 and response["Location"].startswith("/signin?next=")


def test_forms_refuse_a_post_without_csrf_token(alice, acme):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    assert browser.post("/organization/acme/teams/", {"name": "devs", "role": "member"}).status_code == 403
    assert not acme.teams.filter(name="devs").exists()


def test_a_bad_team_name_is_shown_beside_its_field(alice_web, acme):
    response = alice_web.post("/organization/acme/teams/", {"name": "Bad Name", "role": "member"})
    assert response.status_code == 200
    assert 'id="name-errors"' in response.content.decode()
    assert "a team name is a lowercase letter" in response.content.decode()


def test_robot_token_is_shown_once_and_works_for_nothing_after_regeneration(alice_web, acme):
    response = alice_web.post("/organization/acme/robots/", {"name": "deployer", "description": "CI"})
    assert response.status_code == 302
    first = alice_web.get(response["Location"]).content.decode()
    assert 'id="token-reveal"' in first and "podman login --tls-verify=false -u acme+deployer -p " in first
    assert "kubernetes.io/dockerconfigjson" in first
    assert 'id="token-reveal"' not in alice_web.get(response["Location"]).content.decode()
    robot = RobotAccount.objects.get(short_name="deployer")
    old_hash = robot.token_hash
    alice_web.post("/organization/acme/robots/deployer/regenerate")
    robot.refresh_from_db()
    assert robot.token_hash != old_hash
    assert AuditLog.objects.filter(kind="regenerate_robot_token", performer_name="alice").exists()


def test_repository_delete_needs_its_exact_name(alice_web, acme_app):
    response = alice_web.post("/repository/acme/app/-/settings/delete", {"confirm": "acme/ap"})
    assert response.status_code == 200 and "Type acme/app exactly" in response.content.decode()
    assert Repository.objects.filter(pk=acme_app.pk).exists()
    alice_web.post("/repository/acme/app/-/settings/delete", {"confirm": "acme/app"})
    assert not Repository.objects.filter(pk=acme_app.pk).exists()


def test_granting_a_robot_write_from_the_settings_page(alice_web, acme, acme_app):
    alice_web.post("/organization/acme/robots/", {"name": "deployer"})
    response = alice_web.post(
        "/repository/acme/app/-/settings/permissions",
        {"kind": "user", "name": "acme+deployer", "role": "write"},
    )
    assert response.status_code == 302
    grant = RepositoryPermission.objects.get(repository=acme_app)
    assert grant.user is not None
    assert (grant.user.username, grant.role) == ("acme+deployer", "write")
    unknown = alice_web.post(
        "/repository/acme/app/-/settings/permissions", {"kind": "team", "name": "ghosts", "role": "read"}
    )
    assert "no team &#x27;ghosts&#x27;" in unknown.content.decode()
