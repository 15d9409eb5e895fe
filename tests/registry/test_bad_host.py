"""A Host header Django refuses (not in ALLOWED_HOSTS, or malformed) is refused before any view
runs; the answer still comes in the format of the API the path names, never Django's HTML page."""

from __future__ import annotations

import pytest


@pytest.fixture
def only_our_host(settings):
    settings.ALLOWED_HOSTS = ["registry.example.com"]


@pytest.mark.parametrize("host", ["evil.example.net", "bad host!"])
def test_v2_answers_a_refused_host_with_the_oci_error_body(client, db, only_our_host, host):
    response = client.get("/v2/alice/app/manifests/latest", HTTP_HOST=host)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"][0]["code"] == "DENIED"


def test_api_answers_a_refused_host_with_quays_error_body(client, db, only_our_host):
    response = client.get("/api/v1/user/", HTTP_HOST="evil.example.net")
    assert response.status_code == 400
    assert response.json()["error_type"] == "invalid_request"


def test_pages_keep_djangos_bad_request_page(client, db, only_our_host):
    response = client.get("/repositories/", HTTP_HOST="evil.example.net")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_our_host_is_served(client, db, only_our_host):
    assert client.get("/v2/", HTTP_HOST="registry.example.com").status_code == 401
