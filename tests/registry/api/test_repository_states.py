"""PUT /api/v1/repository/{repository}/changestate, and the registry-wide read-only mode of
the API: writes refused with 503, reads go on."""

from __future__ import annotations

import pytest
from django.test import Client

from orgs.models import AuditLog
from registry.models import Repository
from registry.services.permissions import permission_set
from tests.api_fixtures import ago, bearer, manifest_make, repository_make, tag_make, token_for

URL = "/api/v1/repository/acme/app/changestate"


@pytest.fixture
def repo(acme):
    repository = repository_make(acme, "app")
    tag_make(repository, "latest", manifest_make(repository), start=ago(1))
    return repository


def change(client: Client, state: str, **headers):
    return client.put(URL, {"state": state}, content_type="application/json", **headers)


def test_admin_changes_the_state_and_it_is_audited(alice_client, repo):
    response = change(alice_client, "READ_ONLY")
    assert response.status_code == 200 and response.json() == {"success": True}
    repo.refresh_from_db()
    assert repo.state == "READ_ONLY"
    assert AuditLog.objects.get(kind="change_repo_state").metadata["state_changed"] == "READ_ONLY"
    assert alice_client.get("/api/v1/repository/acme/app").json()["state"] == "READ_ONLY"
    assert change(alice_client, "NORMAL").status_code == 200


def test_unknown_state_is_400(alice_client, repo):
    response = change(alice_client, "FROZEN")
    assert response.status_code == 400
    assert Repository.objects.get(pk=repo.pk).state == "NORMAL"


def test_writer_may_not_change_the_state(bob_client, bob, repo):
    permission_set(repository=repo, role="write", user=bob)
    assert change(bob_client, "READ_ONLY").status_code == 403
    assert Repository.objects.get(pk=repo.pk).state == "NORMAL"


def test_stranger_gets_404(bob_client, repo):
    assert change(bob_client, "READ_ONLY").status_code == 404


def test_write_token_may_not_change_the_state(alice, repo, application):
    response = change(Client(), "READ_ONLY", **bearer(token_for(application, alice, "repo:write")))
    assert response.status_code == 403
    admin = bearer(token_for(application, alice, "repo:admin"))
    assert change(Client(), "READ_ONLY", **admin).status_code == 200


def test_registry_read_only_refuses_api_writes_with_503(alice_client, repo, settings):
    settings.REGISTRY_STATE = "readonly"
    for response in [
        change(alice_client, "READ_ONLY"),
        alice_client.delete("/api/v1/repository/acme/app/tag/latest"),
        alice_client.post(
            "/api/v1/repository",
            {"repository": "new", "namespace": "acme", "visibility": "private", "description": ""},
            content_type="application/json",
        ),
    ]:
        assert response.status_code == 503
        body = response.json()
        assert "read-only" in body["detail"] and body["status"] == 503
    assert Repository.objects.get(pk=repo.pk).state == "NORMAL"
    assert not Repository.objects.filter(name="new").exists()
    assert repo.tags.get(name="latest").end is None
    assert alice_client.get("/api/v1/repository/acme/app/tag/").status_code == 200
