"""An organization's OAuth applications from the web: secret shown once, reset, delete."""

from __future__ import annotations

from oauth2_provider.models import Application

from orgs.models import OrganizationApplication


def test_admin_creates_an_application_and_sees_its_secret_once(alice_web, acme):
    response = alice_web.post(
        "/organization/acme/applications/",
        {"name": "CI dashboard", "redirect_uri": "https://ci.example.com/callback", "description": ""},
    )
    assert response.status_code == 302
    client_id = OrganizationApplication.objects.get(organization=acme).application.client_id
    first = alice_web.get(response["Location"]).content.decode()
    assert 'id="secret-reveal"' in first and client_id in first
    assert f"client_id={client_id}" in first
    assert 'id="secret-reveal"' not in alice_web.get(response["Location"]).content.decode()
    old_hash = Application.objects.get(client_id=client_id).client_secret
    alice_web.post(f"/organization/acme/applications/{client_id}/reset")
    assert Application.objects.get(client_id=client_id).client_secret != old_hash
    alice_web.post(f"/organization/acme/applications/{client_id}/delete")
    assert not Application.objects.filter(client_id=client_id).exists()


def test_a_bad_redirect_uri_is_shown_beside_its_field(alice_web, acme):
    response = alice_web.post("/organization/acme/applications/", {"name": "x", "redirect_uri": "not a uri"})
    assert 'id="redirect_uri-errors"' in response.content.decode()
    assert not OrganizationApplication.objects.exists()


def test_a_member_sees_no_applications_and_is_refused_them(bob_web, acme, bob_in_acme_readers):
    assert "OAuth applications" not in bob_web.get("/organization/acme/").content.decode()
    assert bob_web.get("/organization/acme/applications/").status_code == 403
    assert bob_web.post("/organization/acme/applications/", {"name": "sneaky"}).status_code == 403
    assert not OrganizationApplication.objects.exists()
