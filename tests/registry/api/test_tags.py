"""GET /api/v1/repository/{repository}/tag/: tag history in Quay's shape, with paging."""

from __future__ import annotations

from email.utils import formatdate

import pytest

from registry.manifest_formats import OCI_INDEX
from registry.services.permissions import permission_set
from tests.api_fixtures import ago, manifest_make, repository_make, tag_make


@pytest.fixture
def history(acme):
    """latest moved from v1 to v2; old ended; nested/app has an index tag."""
    repository = repository_make(acme, "app")
    first, second = manifest_make(repository, b'{"a": 1}'), manifest_make(repository, b'{"a": 2}')
    tag_make(repository, "old", first, start=ago(40), end=ago(30))
    tag_make(repository, "latest", first, start=ago(20), end=ago(10))
    tag_make(repository, "latest", second, start=ago(10))
    tag_make(repository, "v1", first, start=ago(5))
    return repository, first, second


def tags(client, path: str = "/api/v1/repository/acme/app/tag/", **params):
    response = client.get(path, params)
    assert response.status_code == 200, response.content
    return response.json()


def test_history_lists_every_row_newest_first(alice_client, history):
    body = tags(alice_client)
    assert [(t["name"], "end_ts" in t) for t in body["tags"]] == [
        ("v1", False),
        ("latest", False),
        ("latest", True),
        ("old", True),
    ]
    assert (body["page"], body["has_additional"]) == (1, False)


def test_tag_has_quays_fields(alice_client, history):
    repository, first, second = history
    tag = tags(alice_client, specificTag="latest", onlyActiveTags="true")["tags"][0]
    row = repository.tags.get(name="latest", end__isnull=True)
    assert tag == {
        "name": "latest",
        "reversion": False,
        "start_ts": int(row.start.timestamp()),
        "manifest_digest": second.digest,
        "is_manifest_list": False,
        "size": None,
        "last_modified": formatdate(row.start.timestamp()),
    }


def test_ended_tag_carries_its_end(alice_client, history):
    repository, first, _ = history
    tag = tags(alice_client, specificTag="old")["tags"][0]
    row = repository.tags.get(name="old")
    assert tag["end_ts"] == int(row.end.timestamp())
    assert tag["expiration"] == formatdate(row.end.timestamp())


def test_only_active_tags(alice_client, history):
    body = tags(alice_client, onlyActiveTags="true")
    assert [t["name"] for t in body["tags"]] == ["v1", "latest"]


def test_specific_tag_history(alice_client, history):
    body = tags(alice_client, specificTag="latest")
    assert [t["manifest_digest"] for t in body["tags"]] == [history[2].digest, history[1].digest]


def test_pages_with_limit_page_and_has_additional(alice_client, history):
    first = tags(alice_client, limit=3)
    assert (len(first["tags"]), first["has_additional"]) == (3, True)
    second = tags(alice_client, limit=3, page=2)
    assert [t["name"] for t in second["tags"]] == ["old"]
    assert (second["page"], second["has_additional"]) == (2, False)


def test_index_tag_is_a_manifest_list(alice_client, acme):
    repository = repository_make(acme, "team/multi")
    tag_make(repository, "latest", manifest_make(repository, b"{}", OCI_INDEX), start=ago(1))
    body = tags(alice_client, "/api/v1/repository/acme/team/multi/tag/")
    assert body["tags"][0]["is_manifest_list"] is True


def test_reader_lists_tags(bob_client, bob, history):
    permission_set(repository=history[0], role="read", user=bob)
    assert len(tags(bob_client)["tags"]) == 4


def test_public_repository_tags_are_readable_anonymously(client, history):
    repository = history[0]
    repository.is_public = True
    repository.save()
    assert len(tags(client)["tags"]) == 4


def test_stranger_gets_404_for_private_tags(bob_client, history):
    assert bob_client.get("/api/v1/repository/acme/app/tag/").status_code == 404


def test_filter_tag_name_like_matches_names_containing_the_text(alice_client, history):
    body = tags(alice_client, filter_tag_name="like:ATE", onlyActiveTags="true")
    assert [t["name"] for t in body["tags"]] == ["latest"]


def test_filter_tag_name_eq_matches_one_name(alice_client, history):
    assert [t["name"] for t in tags(alice_client, filter_tag_name="eq:v1")["tags"]] == ["v1"]


def test_malformed_filter_tag_name_is_400(alice_client, history):
    response = alice_client.get("/api/v1/repository/acme/app/tag/", {"filter_tag_name": "regex:.*"})
    assert response.status_code == 400
    assert "filter_tag_name" in response.json()["detail"]
