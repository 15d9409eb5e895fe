"""Fixtures every test shares: isolated storage, fast password hashing, users and tokens."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.test import Client

import orgs.audit
from orgs.models import User
from orgs.services import organization_create, user_create
from registry.storage import storage_for

# The REST API's and the web pages' fixtures serve both apps' api/ and web/ folders, and the
# storage servers serve the registry's and the e2e tests alike, so they load here once.
pytest_plugins = ["tests.api_fixtures", "tests.web_fixtures", "tests.storage_servers"]

PASSWORD = "correct horse battery"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser tests run last: Playwright's session keeps an event loop in the main thread
    until the session ends, and a test after them that calls asyncio.run() (the websocket
    clients) fails with "cannot be called from a running event loop"."""
    items.sort(key=lambda item: "tests/e2e/browser/" in item.nodeid)


@pytest.fixture(autouse=True)
def isolated_storage(settings, tmp_path):
    """Each test gets its own local storage location."""
    settings.STORAGE_CONFIG = {"local": ["LocalStorage", {"storage_path": str(tmp_path / "storage")}]}
    settings.STORAGE_PREFERENCE = ["local"]
    storage_for.cache_clear()
    yield tmp_path / "storage"
    storage_for.cache_clear()


@pytest.fixture(autouse=True)
def audit_log_unwritten(monkeypatch):
    """Registry events stay in this process's buffer until a test flushes them: the writer
    thread would otherwise commit them outside the test's transaction."""
    monkeypatch.setattr(orgs.audit, "FLUSH_SECONDS", 3600.0)
    monkeypatch.setattr(orgs.audit, "BATCH_SIZE", orgs.audit.BUFFER_MAX)
    yield
    orgs.audit.audit_log_discard()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def alice(db) -> User:
    return user_create(username="alice", password=PASSWORD)


@pytest.fixture
def bob(db) -> User:
    return user_create(username="bob", password=PASSWORD)


@pytest.fixture
def acme(alice):
    return organization_create(name="acme", creator=alice)


def basic_auth(username: str, password: str = PASSWORD) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


class Registry:
    """A /v2/ client that logs in as one user (or nobody) and asks tokens for exact scopes."""

    def __init__(self, client: Client, username: str | None = None, password: str = PASSWORD) -> None:
        self.client = client
        self.username = username
        self.password = password

    def token(self, *scopes: str) -> str:
        headers: dict[str, Any] = (
            {"HTTP_AUTHORIZATION": basic_auth(self.username, self.password)} if self.username else {}
        )
        response = self.client.get("/v2/auth", {"service": "testserver", "scope": list(scopes)}, **headers)
        assert response.status_code == 200, response.content
        return response.json()["token"]

    def granted(self, scope: str) -> list[str]:
        payload = self.token(scope).split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return sorted(a for entry in claims["access"] for a in entry["actions"])

    def call(self, method: str, path: str, *, scope: str | None = None, data: bytes = b"", **extra):
        headers = dict(extra)
        if scope is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {self.token(scope)}"
        content_type = headers.pop("content_type", "application/octet-stream")
        return self.client.generic(method, path, data=data, content_type=content_type, **headers)


@pytest.fixture
def as_alice(client, alice) -> Registry:
    return Registry(client, "alice")


@pytest.fixture
def as_bob(client, bob) -> Registry:
    return Registry(client, "bob")


@pytest.fixture
def anonymous(client, db) -> Registry:
    return Registry(client)
