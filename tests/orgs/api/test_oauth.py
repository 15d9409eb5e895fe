"""OAuth 2 on the REST API: the authorization-code flow with PKCE, and scopes per endpoint."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from oauth2_provider.models import Application

from orgs.audit import audit_log_discard
from orgs.errors import NotPermitted
from orgs.models import AuditLog
from orgs.oauth import oauth_token_generate
from tests.api_fixtures import CLIENT_SECRET, REDIRECT_URI, bearer, repository_make, token_for

VERIFIER = "a-code-verifier-long-enough-for-rfc-7636-0123456789"


def challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def authorize_params(application: Application, **extra: str) -> dict:
    params = {
        "response_type": "code",
        "client_id": application.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "user:read repo:read",
        "state": "xyz",
        "code_challenge": challenge(VERIFIER),
        "code_challenge_method": "S256",
    }
    return {**params, **extra}


def test_authorize_shows_consent_with_the_scopes(alice_client, application):
    response = alice_client.get("/oauth/authorize", authorize_params(application))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Authorize deployer?" in page
    assert "Read User Information" in page and "View all visible repositories" in page


def test_authorize_without_pkce_is_refused(alice_client, application):
    params = authorize_params(application)
    del params["code_challenge"], params["code_challenge_method"]
    response = alice_client.get("/oauth/authorize", params)
    assert response.status_code == 302
    callback = parse_qs(urlparse(response["Location"]).query)
    assert callback["error"] == ["invalid_request"]
    assert "code" not in callback


def test_authorization_code_flow_with_pkce_reaches_the_api(alice_client, application):
    approved = alice_client.post("/oauth/authorize", {**authorize_params(application), "allow": "Authorize"})
    assert approved.status_code == 302
    callback = parse_qs(urlparse(approved["Location"]).query)
    assert callback["state"] == ["xyz"]
    exchanged = Client().post(
        "/oauth/token",
        {
            "grant_type": "authorization_code",
            "code": callback["code"][0],
            "redirect_uri": REDIRECT_URI,
            "client_id": application.client_id,
            "client_secret": CLIENT_SECRET,
            "code_verifier": VERIFIER,
        },
    )
    assert exchanged.status_code == 200, exchanged.content
    body = exchanged.json()
    assert set(body["scope"].split()) == {"user:read", "repo:read"}
    response = Client().get("/api/v1/user/", **bearer(body["access_token"]))
    assert response.status_code == 200
    assert response.json()["username"] == "alice"


def test_code_exchange_with_a_wrong_verifier_is_refused(alice_client, application):
    approved = alice_client.post("/oauth/authorize", {**authorize_params(application), "allow": "Authorize"})
    code = parse_qs(urlparse(approved["Location"]).query)["code"][0]
    exchanged = Client().post(
        "/oauth/token",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": application.client_id,
            "client_secret": CLIENT_SECRET,
            "code_verifier": "another-verifier-long-enough-for-rfc-7636-012345678",
        },
    )
    assert exchanged.status_code == 400


def test_token_without_user_read_gets_403_on_user(alice, application):
    response = Client().get("/api/v1/user/", **bearer(token_for(application, alice, "repo:read")))
    assert response.status_code == 403
    assert response.json()["error_type"] == "insufficient_scope"
    assert "user:read" in response.json()["detail"]


def test_token_with_user_read_gets_user(alice, application):
    response = Client().get("/api/v1/user/", **bearer(token_for(application, alice, "user:read")))
    assert response.status_code == 200


def test_read_token_may_not_update_a_repository(alice, acme, application):
    repository_make(acme, "app")
    token = token_for(application, alice, "repo:read")
    client = Client()
    assert client.get("/api/v1/repository/acme/app", **bearer(token)).status_code == 200
    response = client.put(
        "/api/v1/repository/acme/app", {"description": "x"}, content_type="application/json", **bearer(token)
    )
    assert response.status_code == 403
    assert response.json()["error_type"] == "insufficient_scope"


def test_write_token_updates_a_repository_without_csrf(alice, acme, application):
    repository_make(acme, "app")
    token = token_for(application, alice, "repo:write")
    response = Client(enforce_csrf_checks=True).put(
        "/api/v1/repository/acme/app", {"description": "x"}, content_type="application/json", **bearer(token)
    )
    assert response.status_code == 200


def test_write_token_may_not_delete_a_repository(alice, acme, application):
    repository_make(acme, "app")
    response = Client().delete(
        "/api/v1/repository/acme/app", **bearer(token_for(application, alice, "repo:write"))
    )
    assert response.status_code == 403


def test_session_is_not_limited_by_scopes(alice_client, acme):
    repository_make(acme, "app")
    assert alice_client.delete("/api/v1/repository/acme/app").status_code == 204


def test_expired_token_is_not_a_login(alice, application):
    _, raw = oauth_token_generate(application=application, user=alice, scopes=["user:read"], actor=alice)
    application.accesstoken_set.update(expires="2000-01-01T00:00:00Z")
    assert Client().get("/api/v1/user/", **bearer(raw)).status_code == 401


def test_generated_token_is_audited(alice, application):
    token, _ = oauth_token_generate(application=application, user=alice, scopes=["repo:read"], actor=alice)
    row = AuditLog.objects.get(kind="oauth_token_assigned")
    assert (row.performer, row.namespace_name, row.metadata["scope"]) == (alice, "acme", "repo:read")
    assert token.user == alice
    audit_log_discard()


def test_nobody_generates_a_token_for_someone_else(alice, bob, application):
    with pytest.raises(NotPermitted):
        oauth_token_generate(application=application, user=alice, scopes=["repo:read"], actor=bob)


def test_non_admin_of_the_organization_may_not_generate_a_token(bob, application):
    with pytest.raises(NotPermitted):
        oauth_token_generate(application=application, user=bob, scopes=["repo:read"], actor=bob)


def test_endpoint_without_declared_scopes_refuses_every_oauth_token(alice, application):
    """Token generation is for the browser's session: no token may mint another."""
    scopes = ("repo:read", "repo:write", "repo:admin", "repo:create", "user:read", "user:admin", "org:admin")
    response = Client().post(
        f"/api/v1/organization/acme/applications/{application.client_id}/token",
        {"scopes": ["repo:read"]},
        content_type="application/json",
        **bearer(token_for(application, alice, *scopes)),
    )
    assert response.status_code == 403
    assert response.json()["error_type"] == "insufficient_scope"
