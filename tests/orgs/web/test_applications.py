"""An organization's OAuth applications from the web: secret shown once, reset, delete, a token
generated for oneself with chosen scopes, an authorization URL with PKCE, a styled consent page."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from oauth2_provider.models import Application

from orgs.models import OrganizationApplication

REDIRECT_URI = "https://ci.example.com/callback"


@pytest.fixture
def ci_app(alice_web, acme) -> tuple[str, str]:
    """(client id, client secret) of an application of acme made through the page."""
    response = alice_web.post(
        "/organization/acme/applications/", {"name": "CI dashboard", "redirect_uri": REDIRECT_URI}
    )
    page = html.unescape(alice_web.get(response["Location"]).content.decode())
    found = re.search(r'<pre id="client-secret">([^<]+)</pre>', page)
    assert found is not None, page
    secret = found.group(1)
    return OrganizationApplication.objects.get(organization=acme).application.client_id, secret


def _copied(page: str, copy_id: str) -> str:
    found = re.search(rf'<pre id="{copy_id}">([^<]*)</pre>', page)
    assert found is not None, page
    return html.unescape(found.group(1))


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


def test_generate_token_page_offers_every_scope_as_a_checkbox(alice_web, ci_app):
    page = alice_web.get(f"/organization/acme/applications/{ci_app[0]}/token").content.decode()
    for scope, words in settings.OAUTH2_PROVIDER["SCOPES"].items():
        assert f'type="checkbox" name="scopes" value="{scope}"' in page
        assert words in page


def test_generated_token_carries_the_ticked_scopes_only_and_is_shown_once(alice_web, ci_app):
    url = f"/organization/acme/applications/{ci_app[0]}/token"
    response = alice_web.post(url, {"scopes": ["user:read"]})
    assert response.status_code == 302
    page = alice_web.get(response["Location"]).content.decode()
    token = _copied(page, "oauth-token")
    assert "podman login --tls-verify=false -u '$oauthtoken' -p " + token in html.unescape(page)
    api = Client()
    assert api.get("/api/v1/user/", HTTP_AUTHORIZATION=f"Bearer {token}").json()["username"] == "alice"
    assert (
        api.get("/api/v1/repository", {"namespace": "acme"}, HTTP_AUTHORIZATION=f"Bearer {token}").status_code
        == 403
    )
    assert 'id="oauth-token"' not in alice_web.get(url).content.decode()


def test_generating_a_token_without_a_scope_is_an_error_beside_the_scopes(alice_web, ci_app):
    response = alice_web.post(f"/organization/acme/applications/{ci_app[0]}/token", {"scopes": []})
    assert response.status_code == 200
    assert (
        'id="scopes-errors"' in response.content.decode()
        and "Tick at least one scope." in response.content.decode()
    )


def test_a_member_cannot_generate_an_application_token(bob_web, alice_web, ci_app, bob_in_acme_readers):
    url = f"/organization/acme/applications/{ci_app[0]}/token"
    assert bob_web.get(url).status_code == 403
    assert bob_web.post(url, {"scopes": ["repo:read"]}).status_code == 403


def test_authorization_url_carries_an_s256_challenge_of_the_verifier_shown(alice_web, ci_app):
    page = alice_web.get(f"/organization/acme/applications/{ci_app[0]}/").content.decode()
    query = parse_qs(urlsplit(_copied(page, "authorize-url")).query)
    verifier = _copied(page, "code-verifier")
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"] == [expected]
    assert query["client_id"] == [ci_app[0]] and query["redirect_uri"] == [REDIRECT_URI]


def test_the_shown_authorization_url_and_verifier_complete_the_flow(alice_web, ci_app):
    page = alice_web.get(f"/organization/acme/applications/{ci_app[0]}/").content.decode()
    authorize, verifier = urlsplit(_copied(page, "authorize-url")), _copied(page, "code-verifier")
    params = {key: values[0] for key, values in parse_qs(authorize.query).items()}
    consent = alice_web.get(authorize.path, params).content.decode()
    assert 'id="allow"' in consent and 'id="deny"' in consent
    approved = alice_web.post(authorize.path, {**params, "allow": "Authorize"})
    code = parse_qs(urlsplit(approved["Location"]).query)["code"][0]
    exchanged = Client().post(
        _copied(page, "token-url").removeprefix("http://testserver"),
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": ci_app[0],
            "client_secret": ci_app[1],
            "code_verifier": verifier,
        },
    )
    assert exchanged.status_code == 200, exchanged.content
    assert exchanged.json()["scope"] == "repo:read"


def test_consent_page_uses_the_site_layout_and_names_app_org_and_scopes_in_words(alice_web, ci_app):
    params = {
        "response_type": "code",
        "client_id": ci_app[0],
        "redirect_uri": REDIRECT_URI,
        "scope": "repo:read repo:write",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
    }
    page = alice_web.get("/oauth/authorize", params).content.decode()
    assert "/static/ui/site.css" in page and 'class="topbar"' in page
    assert "Authorize CI dashboard?" in page and "<strong>acme</strong>" in page
    scopes = page.split('id="requested-scopes"', 1)[1].split("</ul>", 1)[0]
    assert "View all visible repositories" in scopes and "Read/Write to any accessible repositories" in scopes


def test_denying_consent_sends_the_user_back_with_access_denied(alice_web, ci_app):
    params = {
        "response_type": "code",
        "client_id": ci_app[0],
        "redirect_uri": REDIRECT_URI,
        "scope": "repo:read",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
    }
    denied = alice_web.post("/oauth/authorize", params)
    assert denied.status_code == 302
    assert parse_qs(urlsplit(denied["Location"]).query)["error"] == ["access_denied"]
