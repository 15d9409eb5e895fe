"""Registry login with an OAuth access token as the password of the user ``$oauthtoken``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from oauth2_provider.models import Application

from orgs.authentication import login_verify
from orgs.models import OrganizationApplication
from orgs.oauth import oauth_token_generate
from tests.conftest import Registry, basic_auth
from tests.orgs.conftest import repository_make


@pytest.fixture
def application(alice, acme) -> Application:
    """An application of acme, whose administrator alice is."""
    application = Application.objects.create(
        name="ci",
        user=alice,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="http://localhost/callback",
    )
    OrganizationApplication.objects.create(application=application, organization=acme)
    return application


def oauth_login(client, application, user, *scopes: str) -> Registry:
    _, raw = oauth_token_generate(application=application, user=user, scopes=list(scopes), actor=user)
    return Registry(client, "$oauthtoken", raw)


def test_oauth_token_logs_in_as_its_user(alice, application):
    _, raw = oauth_token_generate(application=application, user=alice, scopes=["repo:read"], actor=alice)
    login = login_verify(username="$oauthtoken", password=raw)
    assert login is not None
    assert (login.user, login.credential, login.oauth_scopes) == (alice, "oauth", frozenset({"repo:read"}))


def test_unknown_oauth_token_is_no_login(db):
    assert login_verify(username="$oauthtoken", password="not-a-token") is None


def test_expired_oauth_token_is_no_login(alice, application):
    token, raw = oauth_token_generate(application=application, user=alice, scopes=["repo:read"], actor=alice)
    token.expires = timezone.now() - timedelta(seconds=1)
    token.save(update_fields=["expires"])
    assert login_verify(username="$oauthtoken", password=raw) is None


def test_read_token_pulls_but_does_not_push(client, alice, acme, application):
    repository_make(acme, "app")
    registry = oauth_login(client, application, alice, "repo:read")
    assert registry.granted("repository:acme/app:pull,push,delete") == ["pull"]


def test_write_token_pushes_too(client, alice, acme, application):
    repository_make(acme, "app")
    registry = oauth_login(client, application, alice, "repo:write")
    assert registry.granted("repository:acme/app:pull,push,delete") == ["pull", "push"]


def test_token_without_repository_scopes_gets_nothing(client, alice, acme, application):
    repository_make(acme, "app")
    registry = oauth_login(client, application, alice, "user:read")
    assert registry.granted("repository:acme/app:pull") == []


def test_bad_oauth_token_at_v2_auth_is_401(client, db):
    response = client.get(
        "/v2/auth", {"service": "testserver"}, HTTP_AUTHORIZATION=basic_auth("$oauthtoken", "wrong")
    )
    assert response.status_code == 401


def test_push_to_create_needs_repo_create(client, alice, acme, application):
    registry = oauth_login(client, application, alice, "repo:write")
    assert registry.granted("repository:acme/fresh:pull,push") == []


def test_push_to_create_with_repo_create_is_granted(client, alice, acme, application):
    registry = oauth_login(client, application, alice, "repo:write", "repo:create")
    assert registry.granted("repository:acme/fresh:pull,push") == ["pull", "push"]


def test_password_login_pushes_to_create_without_scopes(as_alice, acme):
    assert as_alice.granted("repository:acme/fresh:pull,push") == ["pull", "push"]
