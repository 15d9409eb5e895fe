"""/api/v1/repository: list, create, get, update, delete and changevisibility."""

from __future__ import annotations

import pytest

from orgs.models import AuditLog, RepositoryPermission
from registry.api import views
from registry.models import Repository
from registry.services.permissions import permission_set
from tests.api_fixtures import ago, manifest_make, repository_make, tag_make


def create(client, **body):
    defaults = {"namespace": "acme", "repository": "app", "visibility": "private", "description": ""}
    fields = {key: value for key, value in {**defaults, **body}.items() if value is not None}
    return client.post("/api/v1/repository", fields, content_type="application/json")


def test_create_repository_in_own_organization(alice_client, alice, acme):
    response = create(alice_client, description="the app")
    assert response.status_code == 201
    assert response.json() == {"namespace": "acme", "name": "app", "kind": "image"}
    repository = Repository.objects.get(namespace__name="acme", name="app")
    assert (repository.is_public, repository.description) == (False, "the app")
    assert AuditLog.objects.filter(kind="create_repo", performer=alice, repository=repository).exists()


def test_create_repository_defaults_to_own_namespace(alice_client, alice):
    response = create(alice_client, namespace=None, repository="mine", visibility="public")
    assert response.status_code == 201
    assert Repository.objects.get(namespace=alice.namespace, name="mine").is_public


def test_create_nested_repository(alice_client, acme):
    assert create(alice_client, repository="team/app").status_code == 201
    assert alice_client.get("/api/v1/repository/acme/team/app").json()["name"] == "team/app"


def test_stranger_may_not_create_in_an_organization(bob_client, acme):
    response = create(bob_client)
    assert response.status_code == 403
    assert not Repository.objects.exists()


def test_create_in_a_missing_namespace_is_refused_like_a_foreign_one(bob_client, db):
    assert create(bob_client, namespace="nothing").status_code == 403


def test_create_existing_repository_is_400(alice_client, acme):
    repository_make(acme, "app")
    response = create(alice_client)
    assert response.status_code == 400
    assert response.json()["detail"] == "Repository already exists"


def test_create_with_an_invalid_name_is_400(alice_client, acme):
    assert create(alice_client, repository="Bad Name").status_code == 400


def test_get_repository_as_admin(alice_client, acme):
    repository_make(acme, "app")
    body = alice_client.get("/api/v1/repository/acme/app").json()
    assert body["namespace"] == "acme"
    assert body["is_organization"] is True
    assert (body["can_write"], body["can_admin"]) == (True, True)


def test_reader_gets_repository_without_write(bob_client, bob, acme):
    permission_set(repository=repository_make(acme, "app"), role="read", user=bob)
    body = bob_client.get("/api/v1/repository/acme/app").json()
    assert (body["can_write"], body["can_admin"]) == (False, False)


def test_private_repository_of_another_organization_looks_missing(bob_client, acme):
    repository_make(acme, "secret")
    hidden = bob_client.get("/api/v1/repository/acme/secret")
    missing = bob_client.get("/api/v1/repository/acme/nothing")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error_type"] == missing.json()["error_type"] == "not_found"


def test_public_repository_is_readable_by_anyone(client, acme):
    repository_make(acme, "open", public=True)
    assert client.get("/api/v1/repository/acme/open").json()["is_public"] is True


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("put", "/api/v1/repository/acme/secret", {"description": "x"}),
        ("delete", "/api/v1/repository/acme/secret", None),
        ("post", "/api/v1/repository/acme/secret/changevisibility", {"visibility": "public"}),
        ("get", "/api/v1/repository/acme/secret/tag/", None),
    ],
)
def test_stranger_changes_nothing_and_learns_nothing(bob_client, acme, method, path, body):
    repository = repository_make(acme, "secret")
    response = getattr(bob_client, method)(path, body, content_type="application/json")
    assert response.status_code == 404
    repository.refresh_from_db()
    assert (repository.is_public, repository.description) == (False, "")


def test_writer_updates_description(bob_client, bob, acme):
    repository = repository_make(acme, "app")
    permission_set(repository=repository, role="write", user=bob)
    response = bob_client.put(
        "/api/v1/repository/acme/app", {"description": "new"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json() == {"success": True}
    repository.refresh_from_db()
    assert repository.description == "new"
    assert AuditLog.objects.filter(kind="set_repo_description", performer=bob).exists()


def test_reader_may_not_update_description(bob_client, bob, acme):
    permission_set(repository=repository_make(acme, "app"), role="read", user=bob)
    response = bob_client.put(
        "/api/v1/repository/acme/app", {"description": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["error_type"] == "insufficient_scope"


def test_admin_deletes_repository_with_its_tags(alice_client, alice, acme):
    repository = repository_make(acme, "app")
    tag_make(repository, "latest", manifest_make(repository), start=ago(5))
    response = alice_client.delete("/api/v1/repository/acme/app")
    assert response.status_code == 204
    assert not Repository.objects.filter(pk=repository.pk).exists()
    log = AuditLog.objects.get(kind="delete_repo")
    assert (log.performer, log.namespace_name, log.repository_name) == (alice, "acme", "app")
    assert log.repository is None


def test_writer_may_not_delete_repository(bob_client, bob, acme):
    repository = repository_make(acme, "app")
    permission_set(repository=repository, role="write", user=bob)
    assert bob_client.delete("/api/v1/repository/acme/app").status_code == 403
    assert Repository.objects.filter(pk=repository.pk).exists()


def test_anonymous_delete_is_401(client, acme):
    repository_make(acme, "open", public=True)
    assert client.delete("/api/v1/repository/acme/open").status_code == 401


def test_admin_changes_visibility_of_nested_repository(alice_client, alice, acme):
    repository = repository_make(acme, "team/app")
    response = alice_client.post(
        "/api/v1/repository/acme/team/app/changevisibility",
        {"visibility": "public"},
        content_type="application/json",
    )
    assert response.status_code == 200
    repository.refresh_from_db()
    assert repository.is_public
    log = AuditLog.objects.get(kind="change_repo_visibility")
    assert (log.performer, log.metadata["visibility"]) == (alice, "public")


def test_writer_may_not_change_visibility(bob_client, bob, acme):
    permission_set(repository=repository_make(acme, "app"), role="write", user=bob)
    response = bob_client.post(
        "/api/v1/repository/acme/app/changevisibility",
        {"visibility": "public"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_unknown_visibility_is_400(alice_client, acme):
    repository_make(acme, "app")
    response = alice_client.post(
        "/api/v1/repository/acme/app/changevisibility",
        {"visibility": "secret"},
        content_type="application/json",
    )
    assert response.status_code == 400


def names(response) -> list[str]:
    return [f"{r['namespace']}/{r['name']}" for r in response.json()["repositories"]]


def test_list_needs_namespace_starred_or_public(alice_client):
    assert alice_client.get("/api/v1/repository").status_code == 400


def test_list_namespace_shows_what_the_caller_reads(alice_client, bob_client, bob, acme):
    repository_make(acme, "private")
    repository_make(acme, "open", public=True)
    permission_set(repository=repository_make(acme, "granted"), role="read", user=bob)
    assert names(alice_client.get("/api/v1/repository", {"namespace": "acme"})) == [
        "acme/granted",
        "acme/open",
        "acme/private",
    ]
    assert names(bob_client.get("/api/v1/repository", {"namespace": "acme"})) == ["acme/granted"]
    assert names(bob_client.get("/api/v1/repository", {"namespace": "acme", "public": "true"})) == [
        "acme/granted",
        "acme/open",
    ]


def test_anonymous_lists_only_public_repositories(client, acme):
    repository_make(acme, "private")
    repository_make(acme, "open", public=True)
    assert names(client.get("/api/v1/repository", {"public": "true"})) == ["acme/open"]


def test_list_pages_with_next_page(alice_client, acme, monkeypatch):
    monkeypatch.setattr(views, "REPOSITORIES_PER_PAGE", 2)
    for name in ("a1", "a2", "a3"):
        repository_make(acme, name)
    first = alice_client.get("/api/v1/repository", {"namespace": "acme"})
    assert names(first) == ["acme/a1", "acme/a2"]
    second = alice_client.get(
        "/api/v1/repository", {"namespace": "acme", "next_page": first.json()["next_page"]}
    )
    assert names(second) == ["acme/a3"]
    assert "next_page" not in second.json()


def test_forged_page_token_is_400(alice_client, acme):
    response = alice_client.get("/api/v1/repository", {"namespace": "acme", "next_page": "forged"})
    assert response.status_code == 400


def test_starred_list_is_empty(alice_client, acme):
    repository_make(acme, "app")
    assert alice_client.get("/api/v1/repository", {"starred": "true"}).json() == {"repositories": []}


def test_permission_rows_untouched_by_listing(alice_client, acme):
    repository_make(acme, "app")
    alice_client.get("/api/v1/repository", {"namespace": "acme"})
    assert not RepositoryPermission.objects.exists()


def test_refused_change_writes_no_audit_record(bob_client, bob, acme):
    permission_set(repository=repository_make(acme, "app"), role="write", user=bob)
    before = AuditLog.objects.count()
    bob_client.post(
        "/api/v1/repository/acme/app/changevisibility",
        {"visibility": "public"},
        content_type="application/json",
    )
    assert AuditLog.objects.count() == before


def test_superuser_with_full_access_reads_any_repository(bob_client, acme, settings):
    settings.SUPER_USERS = ["bob"]
    settings.FEATURE_SUPERUSERS_FULL_ACCESS = True
    repository_make(acme, "secret")
    assert bob_client.get("/api/v1/repository/acme/secret").json()["can_admin"] is True


def test_superuser_without_full_access_does_not_see_private_repositories(bob_client, acme, settings):
    settings.SUPER_USERS = ["bob"]
    settings.FEATURE_SUPERUSERS_FULL_ACCESS = False
    repository_make(acme, "secret")
    assert bob_client.get("/api/v1/repository/acme/secret").status_code == 404
