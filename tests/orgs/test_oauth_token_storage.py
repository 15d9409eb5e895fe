"""OAuth access and refresh tokens are stored as checksums only, and still work everywhere."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from oauth2_provider.models import AccessToken, RefreshToken

from orgs.oauth import oauth_token_generate
from tests.conftest import Registry
from tests.orgs.api.test_oauth import CLIENT_SECRET, REDIRECT_URI, VERIFIER, authorize_params

pytestmark = pytest.mark.django_db


def checksum(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _token_request(**fields: str) -> dict:
    response = Client().post(
        "/oauth/token", {"client_id": fields.pop("client_id"), "client_secret": CLIENT_SECRET, **fields}
    )
    assert response.status_code == 200, response.content
    return response.json()


def _code_flow(alice, application) -> dict:
    browser = Client()
    browser.force_login(alice)
    approved = browser.post("/oauth/authorize", {**authorize_params(application), "allow": "Authorize"})
    code = parse_qs(urlparse(approved["Location"]).query)["code"][0]
    return _token_request(
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT_URI,
        client_id=application.client_id,
        code_verifier=VERIFIER,
    )


def test_a_generated_token_is_stored_as_its_checksum_only(alice, application):
    row, raw = oauth_token_generate(application=application, user=alice, scopes=["repo:read"], actor=alice)
    stored = AccessToken.objects.get(pk=row.pk)
    assert (stored.token, stored.token_checksum) == ("", checksum(raw))


def test_a_generated_token_still_logs_in_to_the_api_and_the_registry(client, alice, application):
    _, raw = oauth_token_generate(
        application=application, user=alice, scopes=["user:read", "repo:read"], actor=alice
    )
    assert Client().get("/api/v1/user/", HTTP_AUTHORIZATION=f"Bearer {raw}").json()["username"] == "alice"
    assert Registry(client, "$oauthtoken", raw).token("repository:acme/app:pull")


def test_the_code_flow_stores_access_and_refresh_tokens_as_checksums(alice, application):
    body = _code_flow(alice, application)
    access = AccessToken.objects.get(token_checksum=checksum(body["access_token"]))
    refresh = RefreshToken.objects.get(token_checksum=checksum(body["refresh_token"]))
    assert (access.token, refresh.token) == ("", "")
    assert not AccessToken.objects.filter(token=body["access_token"]).exists()


def test_a_hashed_refresh_token_still_refreshes(alice, application):
    first = _code_flow(alice, application)
    second = _token_request(
        grant_type="refresh_token", refresh_token=first["refresh_token"], client_id=application.client_id
    )
    assert second["access_token"] != first["access_token"]
    assert AccessToken.objects.get(token_checksum=checksum(second["access_token"])).token == ""
    response = Client().get("/api/v1/user/", HTTP_AUTHORIZATION=f"Bearer {second['access_token']}")
    assert response.status_code == 200
