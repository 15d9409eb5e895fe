"""Every identity endpoint takes an OAuth token carrying Quay's scope for it, and refuses one
carrying only a narrower scope (403 insufficient_scope) before doing anything."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from oauth2_provider.models import Application

from orgs.models import OrganizationApplication
from orgs.oauth import oauth_token_generate
from orgs.services import robot_create
from registry.services.permissions import permission_set
from tests.api_fixtures import repository_make

REPO = "/api/v1/repository/acme/app"

# method, path, body, the scope it needs, a narrower scope, the status with the right scope.
CASES = [
    ("get", "/api/v1/user/", None, "user:read", "repo:read", 200),
    ("put", "/api/v1/user/", {"tag_expiration_s": 86400}, "user:admin", "user:read", 200),
    ("get", "/api/v1/users/bob", None, "user:read", "repo:read", 200),
    ("get", "/api/v1/organization/acme", None, "user:read", "repo:read", 200),
    ("put", "/api/v1/organization/acme", {"tag_expiration_s": 0}, "org:admin", "user:admin", 200),
    ("get", "/api/v1/organization/acme/members", None, "org:admin", "user:admin", 200),
    ("get", "/api/v1/organization/acme/collaborators", None, "org:admin", "user:admin", 200),
    ("get", "/api/v1/organization/acme/applications", None, "org:admin", "user:admin", 200),
    ("put", "/api/v1/organization/acme/team/devs", {"role": "member"}, "org:admin", "user:admin", 200),
    ("get", "/api/v1/organization/acme/team/owners/members", None, "org:admin", "user:admin", 200),
    ("get", "/api/v1/organization/acme/robots", None, "org:admin", "user:admin", 200),
    ("put", "/api/v1/organization/acme/robots/ci", {}, "org:admin", "user:admin", 201),
    ("post", "/api/v1/organization/acme/robots/bot/regenerate", None, "org:admin", "user:admin", 200),
    ("get", "/api/v1/organization/acme/prototypes", None, "org:admin", "user:admin", 200),
    ("get", "/api/v1/organization/acme/robots/bot/permissions", None, "org:admin", "user:admin", 200),
    ("get", "/api/v1/user/robots/mine/permissions", None, "user:admin", "user:read", 404),
    ("get", "/api/v1/user/starred", None, "user:admin", "user:read", 200),
    ("delete", "/api/v1/user/starred/acme/app", None, "user:admin", "user:read", 204),
    ("get", "/api/v1/organization/acme/logs", None, "org:admin", "user:admin", 200),
    ("get", "/api/v1/organization/acme/aggregatelogs", None, "org:admin", "user:admin", 200),
    ("get", "/api/v1/user/robots", None, "user:admin", "user:read", 200),
    ("put", "/api/v1/user/robots/mine", {}, "user:admin", "user:read", 201),
    ("get", "/api/v1/user/apptoken", None, "user:admin", "user:read", 200),
    ("post", "/api/v1/user/apptoken", {"title": "ci"}, "user:admin", "user:read", 200),
    ("get", "/api/v1/user/logs", None, "user:admin", "user:read", 200),
    ("get", "/api/v1/user/aggregatelogs", None, "user:admin", "user:read", 200),
    ("get", "/api/v1/repository/acme/app/permissions/user/", None, "repo:admin", "repo:write", 200),
    ("put", REPO + "/permissions/user/bob", {"role": "read"}, "repo:admin", "repo:write", 200),
    ("get", REPO + "/permissions/user/bob/transitive", None, "repo:admin", "repo:write", 200),
    ("get", "/api/v1/repository/acme/app/permissions/team/", None, "repo:admin", "repo:write", 200),
    ("get", "/api/v1/repository/acme/app/logs", None, "repo:admin", "repo:write", 200),
    ("get", "/api/v1/entities/b?namespace=acme", None, "user:read", "repo:read", 200),
    ("get", "/api/v1/find/repositories?query=app", None, "repo:read", "user:read", 200),
    ("get", "/api/v1/superuser/users/", None, "super:user", "org:admin", 200),
    ("get", "/api/v1/superuser/organizations/", None, "super:user", "org:admin", 200),
]  # fmt: skip


@pytest.fixture
def world(alice, bob, acme, settings):
    settings.SUPER_USERS = ["alice"]
    application = Application.objects.create(
        name="scripts",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="http://localhost/cb",
    )
    OrganizationApplication.objects.create(application=application, organization=acme)
    repository = repository_make(acme, "app")
    permission_set(repository=repository, user=bob, role="write")
    robot_create(namespace=acme.namespace, short_name="bot")
    return application


def _call(token: str, method: str, path: str, body: dict | None):
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if method == "get":
        return Client().get(path, **headers)
    return getattr(Client(), method)(path, body or {}, content_type="application/json", **headers)


@pytest.mark.parametrize(
    ("method", "path", "body", "scope", "narrower", "status"),
    CASES,
    ids=[f"{case[0]} {case[1]}" for case in CASES],
)
def test_right_scope_passes_and_a_narrower_one_is_refused(
    world, alice, method, path, body, scope, narrower, status
):
    _, narrow_token = oauth_token_generate(application=world, user=alice, scopes=[narrower], actor=alice)
    refused = _call(narrow_token, method, path, body)
    assert refused.status_code == 403, refused.content
    assert refused.json()["error_type"] == "insufficient_scope"
    assert scope in refused.json()["detail"]
    _, token = oauth_token_generate(application=world, user=alice, scopes=[scope], actor=alice)
    allowed = _call(token, method, path, body)
    assert allowed.status_code == status, allowed.content
