"""Fixtures for the REST API tests of both apps: session-logged-in clients, an OAuth application
and repositories with tags (loaded by tests/conftest.py)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import Application

from orgs.models import Organization, OrganizationApplication, User
from orgs.oauth import oauth_token_generate
from registry.models import Manifest, Repository, Tag


@pytest.fixture
def alice_client(alice) -> Client:
    client = Client()
    client.force_login(alice)
    return client


@pytest.fixture
def bob_client(bob) -> Client:
    client = Client()
    client.force_login(bob)
    return client


def repository_make(owner: Organization | User, name: str, *, public: bool = False) -> Repository:
    assert owner.namespace is not None
    return Repository.objects.create(namespace=owner.namespace, name=name, is_public=public)


def manifest_make(repository: Repository, content: bytes = b"{}", media_type: str = "") -> Manifest:
    return Manifest.objects.create(
        repository=repository,
        digest="sha256:" + hashlib.sha256(content).hexdigest(),
        media_type=media_type or "application/vnd.oci.image.manifest.v1+json",
        content=content,
        size=len(content),
    )


def tag_make(
    repository: Repository, name: str, manifest: Manifest, *, start: datetime, end: datetime | None = None
) -> Tag:
    return Tag.objects.create(repository=repository, name=name, manifest=manifest, start=start, end=end)


REDIRECT_URI = "http://localhost/callback"
CLIENT_SECRET = "client-secret-for-tests"


def ago(minutes: int) -> datetime:
    return timezone.now() - timedelta(minutes=minutes)


@pytest.fixture
def application(alice, acme) -> Application:
    """An application of acme, whose administrator alice is."""
    application = Application.objects.create(
        name="deployer",
        user=alice,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT_URI,
        client_secret=CLIENT_SECRET,
    )
    OrganizationApplication.objects.create(application=application, organization=acme)
    return application


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def token_for(application: Application, user, *scopes: str) -> str:
    _, raw = oauth_token_generate(application=application, user=user, scopes=list(scopes), actor=user)
    return raw


def without_avatars(data: Any) -> Any:
    """``data`` with every ``avatar`` key dropped, for tests about the other fields
    (test_avatars.py checks the avatars themselves)."""
    if isinstance(data, dict):
        return {key: without_avatars(value) for key, value in data.items() if key != "avatar"}
    if isinstance(data, list):
        return [without_avatars(item) for item in data]
    return data
