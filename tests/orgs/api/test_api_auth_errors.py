"""How the API answers bad credentials: a token in the URL is refused and says why, an invalid
or expired token says invalid (401 invalid_token), a session write without CSRF names CSRF, and
the discovery document is public whatever credentials come with the request."""

from __future__ import annotations

from django.test import Client

from tests.api_fixtures import bearer, token_for


def test_token_in_the_query_string_does_not_authenticate(alice, application):
    token = token_for(application, alice, "user:read")
    response = Client().get(f"/api/v1/user/?access_token={token}")
    assert response.status_code == 401
    body = response.json()
    assert body["error_type"] == "invalid_token"
    assert "access_token" in body["detail"] and "Authorization" in body["detail"]


def test_token_in_the_query_string_is_refused_even_beside_a_good_header(alice, application):
    token = token_for(application, alice, "user:read")
    response = Client().get(f"/api/v1/user/?access_token={token}", **bearer(token))
    assert response.status_code == 401
    assert "access_token" in response.json()["detail"]


def test_token_in_the_header_still_authenticates(alice, application):
    response = Client().get("/api/v1/user/", **bearer(token_for(application, alice, "user:read")))
    assert response.status_code == 200
    assert response.json()["username"] == "alice"


def test_unknown_token_is_called_invalid(db):
    response = Client().get("/api/v1/user/", **bearer("not-a-token-this-server-issued"))
    assert response.status_code == 401
    body = response.json()
    assert body["error_type"] == "invalid_token"
    assert "invalid" in body["detail"]


def test_expired_token_is_called_invalid(alice, application):
    token = token_for(application, alice, "user:read")
    application.accesstoken_set.update(expires="2000-01-01T00:00:00Z")
    response = Client().get("/api/v1/organization/acme", **bearer(token))
    # A public read too: a dead token is an error, not a silent anonymous request.
    assert response.status_code == 401
    assert response.json()["error_type"] == "invalid_token"
    assert "expired" in response.json()["detail"]


def test_session_write_without_csrf_names_csrf_not_a_scope(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.put("/api/v1/user/", {"tag_expiration_s": 0}, content_type="application/json")
    assert response.status_code == 403
    body = response.json()
    assert body["error_type"] == body["title"] == "csrf_failed"
    assert body["type"].endswith("/api/v1/error/csrf_failed")
    assert "CSRF" in body["detail"] and "X-CSRFToken" in body["detail"]


def test_error_type_url_describes_the_type(client, db):
    error = client.get("/api/v1/user/").json()
    assert error["type"] == "/api/v1/error/invalid_token"
    described = client.get(error["type"])
    assert described.status_code == 200
    assert described.json()["title"] == "invalid_token"
    assert described.json()["description"]


def test_error_type_url_is_absolute_with_a_server_hostname(client, db, settings):
    settings.SERVER_HOSTNAME = "registry.example.com"
    settings.PREFERRED_URL_SCHEME = "https"
    error = client.get("/api/v1/user/").json()
    assert error["type"] == "https://registry.example.com/api/v1/error/invalid_token"


def test_discovery_is_json_by_default(client, db):
    response = client.get("/api/v1/discovery")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["openapi"].startswith("3.")


def test_discovery_still_serves_yaml_when_asked(client, db):
    response = client.get("/api/v1/discovery?format=yaml")
    assert response.status_code == 200
    assert response.content.startswith(b"openapi:")


def test_discovery_is_served_to_a_bearer_token(alice, application):
    response = Client().get("/api/v1/discovery", **bearer(token_for(application, alice, "repo:read")))
    assert response.status_code == 200
    assert "/api/v1/repository/{repository}" in response.json()["paths"]


def test_discovery_is_served_beside_an_invalid_token(db):
    response = Client().get("/api/v1/discovery", **bearer("stale"))
    assert response.status_code == 200
