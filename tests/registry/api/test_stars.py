"""Starring on Quay's paths: /api/v1/user/starred, is_starred on repository lists and the
starred=true filter, and no star on (or list of) a repository the caller does not read."""

from __future__ import annotations

from django.test import Client

from registry.models import RepositoryStar
from registry.services.permissions import permission_delete, permission_set
from tests.api_fixtures import bearer, repository_make, token_for

STARRED = "/api/v1/user/starred"


def star(client, namespace: str, name: str):
    return client.post(STARRED, {"namespace": namespace, "repository": name}, content_type="application/json")


def test_star_lists_and_unstars(alice_client, alice, acme):
    repository_make(acme, "app", public=True)
    response = star(alice_client, "acme", "app")
    assert response.status_code == 201
    assert response.json() == {"namespace": "acme", "repository": "app"}
    assert star(alice_client, "acme", "app").status_code == 201
    assert RepositoryStar.objects.filter(user=alice).count() == 1
    assert alice_client.get(STARRED).json() == {
        "repositories": [{"namespace": "acme", "name": "app", "description": "", "is_public": True}]
    }
    assert alice_client.delete(f"{STARRED}/acme/app").status_code == 204
    assert alice_client.get(STARRED).json() == {"repositories": []}


def test_repository_lists_say_what_is_starred(alice_client, acme):
    repository_make(acme, "app")
    repository_make(acme, "other")
    star(alice_client, "acme", "app")
    listed = alice_client.get("/api/v1/repository", {"namespace": "acme"}).json()["repositories"]
    assert {repository["name"]: repository["is_starred"] for repository in listed} == {
        "app": True,
        "other": False,
    }
    starred = alice_client.get("/api/v1/repository", {"starred": "true"}).json()["repositories"]
    assert [(repository["name"], repository["is_starred"]) for repository in starred] == [("app", True)]
    assert alice_client.get("/api/v1/repository/acme/app").json()["is_starred"] is True
    assert alice_client.get("/api/v1/repository/acme/other").json()["is_starred"] is False


def test_stars_are_per_user(alice_client, bob_client, acme):
    repository_make(acme, "app", public=True)
    star(alice_client, "acme", "app")
    assert bob_client.get(STARRED).json() == {"repositories": []}
    assert bob_client.get("/api/v1/repository/acme/app").json()["is_starred"] is False


def test_a_repository_the_caller_cannot_read_cannot_be_starred(bob_client, bob, acme):
    repository_make(acme, "private")
    assert star(bob_client, "acme", "private").status_code == 404
    assert star(bob_client, "acme", "missing").status_code == 404
    assert not RepositoryStar.objects.exists()


def test_a_star_on_a_repository_no_longer_readable_is_not_listed(alice_client, bob_client, bob, acme):
    repository = repository_make(acme, "private")
    permission_set(repository=repository, user=bob, role="read")
    assert star(bob_client, "acme", "private").status_code == 201
    permission_delete(repository=repository, user=bob)
    assert bob_client.get(STARRED).json() == {"repositories": []}
    assert bob_client.get("/api/v1/repository", {"starred": "true"}).json()["repositories"] == []


def test_anonymous_has_no_stars(client, acme):
    assert client.get(STARRED).status_code == 401
    assert star(client, "acme", "app").status_code == 401


def test_starring_with_a_token_needs_quays_scopes(alice, acme, application):
    repository_make(acme, "app")
    read_only = Client(**bearer(token_for(application, alice, "repo:read")))
    body = {"namespace": "acme", "repository": "app"}
    assert read_only.post(STARRED, body, content_type="application/json").status_code == 403
    admin = Client(**bearer(token_for(application, alice, "repo:read", "user:admin")))
    assert admin.post(STARRED, body, content_type="application/json").status_code == 201
    assert admin.get(STARRED).json()["repositories"][0]["name"] == "app"


def test_repository_carries_quays_fields(alice_client, acme):
    repository_make(acme, "app")
    body = alice_client.get("/api/v1/repository/acme/app").json()
    assert body["status_token"] == ""
    assert body["trust_enabled"] is False
    assert body["tag_expiration_s"] == 14 * 24 * 3600
