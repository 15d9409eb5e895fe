"""Who may read /metrics: loopback and superusers' bearer tokens by default, as configured."""

from __future__ import annotations

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from tests.api_fixtures import bearer, token_for

pytestmark = pytest.mark.django_db
OUTSIDE = "203.0.113.7"


@pytest.fixture
def root(alice, settings):
    """alice, a superuser by the configuration, and administrator of acme's application."""
    settings.SUPER_USERS = ["alice"]
    return alice


def _families(body: bytes) -> set[str]:
    return {family.name for family in text_string_to_metric_families(body.decode())}


def test_loopback_reads_metrics_without_credentials(client: Client):
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    assert {"quay_http_requests", "quay_registry_uploads_open", "quay_job_queue_depth"} <= _families(
        response.content
    )


def test_another_address_without_a_token_gets_401_in_the_api_format(client: Client):
    response = client.get("/metrics", REMOTE_ADDR=OUTSIDE)
    assert response.status_code == 401
    assert response.json()["error_type"] == "invalid_token"
    assert "bearer token" in response.json()["detail"]


def test_a_superusers_bearer_token_reads_metrics_from_anywhere(client: Client, application, root):
    token = token_for(application, root, "super:user")
    response = client.get("/metrics", REMOTE_ADDR=OUTSIDE, **bearer(token))
    assert response.status_code == 200
    assert "quay_gc_runs" in _families(response.content)


def test_a_token_without_the_super_user_scope_is_refused(client: Client, application, root):
    token = token_for(application, root, "repo:read")
    assert client.get("/metrics", REMOTE_ADDR=OUTSIDE, **bearer(token)).status_code == 403


def test_an_ordinary_users_token_is_refused(client: Client, application, alice):
    token = token_for(application, alice, "super:user")
    response = client.get("/metrics", REMOTE_ADDR=OUTSIDE, **bearer(token))
    assert response.status_code == 403
    assert "superusers" in response.json()["detail"]


def test_configured_networks_replace_loopback(client: Client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["203.0.113.0/24"]
    assert client.get("/metrics", REMOTE_ADDR=OUTSIDE).status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 401


def test_without_superuser_access_only_the_networks_read(client: Client, settings, application, root):
    settings.METRICS_SUPERUSER_ACCESS = False
    token = token_for(application, root, "super:user")
    assert client.get("/metrics", REMOTE_ADDR=OUTSIDE, **bearer(token)).status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
