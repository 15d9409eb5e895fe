"""/api/v1/user/apptoken: the caller's app-specific tokens, the secret only on creation."""

from __future__ import annotations

from orgs.models import AppToken, AuditLog
from orgs.services import app_token_create, app_token_verify

TOKEN_FIELDS = {"uuid", "title", "created", "last_accessed", "expiration"}


def test_user_creates_a_token_and_sees_it_once(alice_client, alice):
    response = alice_client.post("/api/v1/user/apptoken", {"title": "CI"}, content_type="application/json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert set(token) == TOKEN_FIELDS | {"token_code"}
    assert token["title"] == "CI"
    assert app_token_verify(username="alice", token=token["token_code"]) is not None
    assert AuditLog.objects.filter(kind="create_app_specific_token", performer=alice).exists()
    assert set(alice_client.get(f"/api/v1/user/apptoken/{token['uuid']}").json()["token"]) == TOKEN_FIELDS
    listed = alice_client.get("/api/v1/user/apptoken").json()
    assert [set(item) for item in listed["tokens"]] == [TOKEN_FIELDS]


def test_user_revokes_a_token(alice_client, alice):
    row, secret = app_token_create(user=alice, title="CI")
    assert alice_client.delete(f"/api/v1/user/apptoken/{row.code}").status_code == 204
    assert app_token_verify(username="alice", token=secret) is None


def test_another_users_token_looks_missing(bob_client, alice):
    row, _ = app_token_create(user=alice, title="CI")
    assert bob_client.get(f"/api/v1/user/apptoken/{row.code}").status_code == 404
    assert bob_client.delete(f"/api/v1/user/apptoken/{row.code}").status_code == 404
    assert bob_client.get("/api/v1/user/apptoken").json()["tokens"] == []
    assert AppToken.objects.exists()


def test_tokens_switched_off_is_403(alice_client, settings):
    settings.FEATURE_APP_SPECIFIC_TOKENS = False
    response = alice_client.post("/api/v1/user/apptoken", {"title": "CI"}, content_type="application/json")
    assert response.status_code == 403


def test_blank_title_is_400(alice_client):
    assert (
        alice_client.post(
            "/api/v1/user/apptoken", {"title": " "}, content_type="application/json"
        ).status_code
        == 400
    )


def test_anonymous_is_401(client, db):
    assert client.get("/api/v1/user/apptoken").status_code == 401
