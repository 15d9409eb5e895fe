"""Tag listing and the catalog: sorted, paged, and limited to what the caller may see."""

from __future__ import annotations

import pytest

from registry.models import Repository
from tests.registry.pushing import push_image, push_manifest

pytestmark = pytest.mark.django_db
REPO = "alice/app"
PULL = f"repository:{REPO}:pull"


def _push_tags(registry, *names: str) -> None:
    _, manifest = push_image(registry, REPO, names[0])
    for name in names[1:]:
        assert push_manifest(registry, REPO, name, manifest).status_code == 201


def test_tags_are_listed_sorted(as_alice):
    _push_tags(as_alice, "v2", "latest", "v10", "alpha")
    response = as_alice.call("GET", f"/v2/{REPO}/tags/list", scope=PULL)
    assert response.json() == {"name": REPO, "tags": ["alpha", "latest", "v10", "v2"]}
    assert "Link" not in response


def test_tags_page_with_n_last_and_link(as_alice):
    _push_tags(as_alice, "a", "b", "c", "d", "e")
    first = as_alice.call("GET", f"/v2/{REPO}/tags/list?n=2", scope=PULL)
    assert first.json()["tags"] == ["a", "b"]
    assert first["Link"] == f'</v2/{REPO}/tags/list?n=2&last=b>; rel="next"'
    second = as_alice.call("GET", f"/v2/{REPO}/tags/list?n=2&last=b", scope=PULL)
    assert second.json()["tags"] == ["c", "d"]
    last = as_alice.call("GET", f"/v2/{REPO}/tags/list?n=2&last=d", scope=PULL)
    assert last.json()["tags"] == ["e"]
    assert "Link" not in last


def test_bad_page_size_is_refused(as_alice):
    _push_tags(as_alice, "a")
    response = as_alice.call("GET", f"/v2/{REPO}/tags/list?n=-1", scope=PULL)
    assert response.status_code == 400


def test_deleted_tag_leaves_the_list(as_alice):
    _push_tags(as_alice, "keep", "drop")
    as_alice.call("DELETE", f"/v2/{REPO}/manifests/drop", scope=f"repository:{REPO}:delete")
    assert as_alice.call("GET", f"/v2/{REPO}/tags/list", scope=PULL).json()["tags"] == ["keep"]


def test_tags_of_a_missing_repository_answer_name_unknown(as_alice):
    response = as_alice.call("GET", "/v2/alice/missing/tags/list", scope="repository:alice/missing:pull")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "NAME_UNKNOWN"


def _catalog(registry, query: str = ""):
    return registry.call("GET", f"/v2/_catalog{query}", scope="registry:catalog:*")


def test_catalog_shows_own_and_public_repositories_only(as_alice, as_bob, anonymous):
    push_image(as_alice, "alice/private", "v1")
    push_image(as_alice, "alice/public", "v1")
    push_image(as_bob, "bob/mine", "v1")
    Repository.objects.filter(name="public").update(is_public=True)
    assert _catalog(as_alice).json() == {"repositories": ["alice/private", "alice/public"]}
    assert _catalog(as_bob).json() == {"repositories": ["alice/public", "bob/mine"]}
    assert _catalog(anonymous).json() == {"repositories": ["alice/public"]}


def test_catalog_includes_organizations_the_user_administers(as_alice, as_bob, acme):
    push_image(as_alice, "acme/tool", "v1")
    assert _catalog(as_alice).json()["repositories"] == ["acme/tool"]
    assert _catalog(as_bob).json()["repositories"] == []


def test_catalog_pages(as_alice):
    for name in ("c", "a", "b"):
        push_image(as_alice, f"alice/{name}", "v1")
    first = _catalog(as_alice, "?n=2")
    assert first.json()["repositories"] == ["alice/a", "alice/b"]
    assert first["Link"] == '</v2/_catalog?n=2&last=alice/b>; rel="next"'
    assert _catalog(as_alice, "?n=2&last=alice/b").json()["repositories"] == ["alice/c"]


def test_catalog_without_token_challenges_for_the_catalog_scope(client, db):
    response = client.get("/v2/_catalog")
    assert response.status_code == 401
    assert 'scope="registry:catalog:*"' in response["WWW-Authenticate"]
