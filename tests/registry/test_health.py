"""Quay's health endpoints report each service and answer 503 when one is down."""

from __future__ import annotations

import pytest

from registry.storage import storage_for

pytestmark = pytest.mark.django_db


def test_instance_health_reports_the_database(client):
    response = client.get("/health/instance")
    assert response.status_code == 200
    assert response.json() == {"data": {"services": {"database": True}}, "status_code": 200}


def test_endtoend_health_checks_database_and_storage(client):
    response = client.get("/health/endtoend")
    assert response.status_code == 200
    assert response.json()["data"]["services"] == {"database": True, "storage": True}


def test_endtoend_health_checks_redis_when_configured(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    assert client.get("/health/endtoend").json()["data"]["services"]["redis"] is True
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/health/endtoend")
    assert response.status_code == 503
    assert response.json()["data"]["services"]["redis"] is False


def test_endtoend_health_answers_503_when_storage_fails(client, settings, tmp_path):
    settings.STORAGE_CONFIG = {"local": ["LocalStorage", {"storage_path": str(tmp_path)}]}
    storage_for.cache_clear()
    (tmp_path / "health").write_text("a file where a folder is needed")
    response = client.get("/health/endtoend")
    assert response.status_code == 503
    assert response.json()["data"]["services"]["storage"] is False


def test_front_page_shows_how_to_log_in(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"podman login --tls-verify=false testserver" in response.content
