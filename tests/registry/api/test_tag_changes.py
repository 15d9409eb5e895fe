"""Tag changes through Quay's API: create or move, expiration, delete, the time machine's
restore and permanent expiry, with roles, OAuth scopes and no existence leak."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from orgs.models import AuditLog, Namespace
from registry.models import Repository, Tag
from registry.services.permissions import permission_set
from tests.api_fixtures import ago, bearer, manifest_make, repository_make, tag_make, token_for

URL = "/api/v1/repository/acme/app/tag"


@pytest.fixture
def repo(acme):
    """latest on first; second pushed but untagged."""
    repository = repository_make(acme, "app")
    first, second = manifest_make(repository, b'{"a": 1}'), manifest_make(repository, b'{"a": 2}')
    tag_make(repository, "latest", first, start=ago(10))
    return repository, first, second


def put(client: Client, tag: str, body: dict, **headers):
    return client.put(f"{URL}/{tag}", body, content_type="application/json", **headers)


def live(repository: Repository, name: str) -> Tag | None:
    now = timezone.now()
    return next((t for t in repository.tags.filter(name=name) if t.end is None or t.end > now), None)


def live_tag(repository: Repository, name: str) -> Tag:
    tag = live(repository, name)
    assert tag is not None, f"no live tag {name}"
    return tag


def expiry(repository: Repository, name: str) -> int | None:
    """The live tag's end in whole seconds since the epoch, None for none."""
    end = live_tag(repository, name).end
    return int(end.timestamp()) if end is not None else None


def last_audit(kind: str) -> AuditLog:
    return AuditLog.objects.filter(kind=kind).latest("created")


# Create and move -------------------------------------------------------------------------------


def test_put_creates_a_tag_and_audits_create_tag(alice_client, repo):
    repository, first, _ = repo
    response = put(alice_client, "v1", {"manifest_digest": first.digest})
    assert response.status_code == 201
    assert response.json() == "Updated"
    assert live_tag(repository, "v1").manifest == first
    audit = last_audit("create_tag")
    assert audit.metadata["tag"] == "v1" and audit.metadata["manifest_digest"] == first.digest
    assert audit.metadata["original_manifest_digest"] is None


def test_put_moves_a_tag_ending_the_old_row(alice_client, repo):
    repository, first, second = repo
    assert put(alice_client, "latest", {"manifest_digest": second.digest}).status_code == 201
    rows = list(repository.tags.filter(name="latest").order_by("start"))
    assert [r.manifest for r in rows] == [first, second]
    assert rows[0].end is not None and rows[1].end is None
    assert last_audit("move_tag").metadata["original_manifest_digest"] == first.digest


def test_put_to_an_unknown_manifest_is_404_and_changes_nothing(alice_client, repo):
    repository, first, _ = repo
    response = put(alice_client, "latest", {"manifest_digest": "sha256:" + "0" * 64})
    assert response.status_code == 404
    assert live_tag(repository, "latest").manifest == first


def test_put_with_an_invalid_tag_name_is_400(alice_client, repo):
    response = put(alice_client, ".bad", {"manifest_digest": repo[1].digest})
    assert response.status_code == 400
    assert "tag name" in response.json()["detail"]


# Expiration -----------------------------------------------------------------------------------


def test_expiration_is_set_changed_and_cleared(alice_client, repo):
    repository = repo[0]
    soon = int(time.time()) + 3600
    assert put(alice_client, "latest", {"expiration": soon}).status_code == 201
    assert expiry(repository, "latest") == soon
    assert last_audit("change_tag_expiration").metadata["old_expiration_date"] is None
    assert put(alice_client, "latest", {"expiration": soon + 60}).status_code == 201
    assert expiry(repository, "latest") == soon + 60
    assert put(alice_client, "latest", {"expiration": None}).status_code == 201
    assert live_tag(repository, "latest").end is None
    assert AuditLog.objects.filter(kind="change_tag_expiration").count() == 3


def test_expiration_shows_in_the_tag_list(alice_client, repo):
    soon = int(time.time()) + 7200
    put(alice_client, "latest", {"expiration": soon})
    listed = alice_client.get(f"{URL}/", {"onlyActiveTags": "true"}).json()["tags"][0]
    assert listed["end_ts"] == soon
    assert "expiration" in listed


def test_expiration_in_the_past_is_400(alice_client, repo):
    response = put(alice_client, "latest", {"expiration": int(time.time()) - 10})
    assert response.status_code == 400
    assert live_tag(repo[0], "latest").end is None


def test_expiration_of_a_missing_tag_is_404(alice_client, repo):
    assert put(alice_client, "nope", {"expiration": int(time.time()) + 60}).status_code == 404


def test_expiration_must_be_a_number(alice_client, repo):
    assert put(alice_client, "latest", {"expiration": "tomorrow"}).status_code == 400


def test_create_with_expiration_in_one_request(alice_client, repo):
    soon = int(time.time()) + 600
    assert put(alice_client, "v9", {"manifest_digest": repo[2].digest, "expiration": soon}).status_code == 201
    assert expiry(repo[0], "v9") == soon


def test_move_with_a_past_expiration_changes_nothing(alice_client, repo):
    repository, first, second = repo
    response = put(alice_client, "latest", {"manifest_digest": second.digest, "expiration": time.time() - 60})
    assert response.status_code == 400
    assert live_tag(repository, "latest").manifest == first
    assert not AuditLog.objects.filter(kind="move_tag").exists()


def test_put_without_a_change_is_400(alice_client, repo):
    assert put(alice_client, "latest", {}).status_code == 400


# Delete ---------------------------------------------------------------------------------------


def test_delete_ends_the_tag_into_the_history(alice_client, repo):
    repository = repo[0]
    assert alice_client.delete(f"{URL}/latest").status_code == 204
    assert live(repository, "latest") is None
    history = alice_client.get(f"{URL}/", {"onlyActiveTags": "false", "specificTag": "latest"}).json()["tags"]
    assert len(history) == 1 and "end_ts" in history[0]
    assert last_audit("delete_tag").metadata["tag"] == "latest"


def test_delete_of_a_missing_tag_is_404(alice_client, repo):
    assert alice_client.delete(f"{URL}/nope").status_code == 404


def test_skip_recovery_period_is_refused_unless_configured(alice_client, repo, settings):
    settings.PERMANENTLY_DELETE_TAGS = False
    response = alice_client.delete(f"{URL}/latest?skipRecoveryPeriod=true")
    assert response.status_code == 403
    assert "PERMANENTLY_DELETE_TAGS" in response.json()["detail"]
    assert live(repo[0], "latest") is not None


def test_skip_recovery_period_puts_the_tag_past_the_window(alice_client, repo, settings):
    settings.PERMANENTLY_DELETE_TAGS = True
    assert alice_client.delete(f"{URL}/latest?skipRecoveryPeriod=true").status_code == 204
    row = repo[0].tags.get(name="latest")
    assert row.end <= timezone.now() - timedelta(weeks=2)
    assert last_audit("permanently_delete_tag").metadata["tag"] == "latest"


# Restore from the time machine ----------------------------------------------------------------


def restore(client: Client, tag: str, digest: str | None):
    body = {} if digest is None else {"manifest_digest": digest}
    return client.post(f"{URL}/{tag}/restore", body, content_type="application/json")


def test_restore_after_a_move_points_back_and_is_a_reversion(alice_client, repo):
    repository, first, second = repo
    put(alice_client, "latest", {"manifest_digest": second.digest})
    response = restore(alice_client, "latest", first.digest)
    assert response.status_code == 200 and response.json() == {}
    assert live_tag(repository, "latest").manifest == first
    listed = alice_client.get(f"{URL}/", {"specificTag": "latest"}).json()["tags"]
    assert [(t["manifest_digest"], t["reversion"]) for t in listed] == [
        (first.digest, True),
        (second.digest, False),
        (first.digest, False),
    ]
    assert last_audit("revert_tag").metadata["manifest_digest"] == first.digest


def test_restore_after_a_delete_brings_the_tag_back(alice_client, repo):
    alice_client.delete(f"{URL}/latest")
    assert restore(alice_client, "latest", repo[1].digest).status_code == 200
    assert live_tag(repo[0], "latest").manifest == repo[1]


def test_restore_outside_the_window_is_refused(alice_client, repo):
    repository, first, second = repo
    Namespace.objects.filter(pk=repository.namespace_id).update(time_machine_seconds=86400)
    repository.tags.filter(name="latest").update(end=ago(60 * 25))
    tag_make(repository, "latest", second, start=ago(60 * 25))
    response = restore(alice_client, "latest", first.digest)
    assert response.status_code == 400
    assert "time machine window" in response.json()["detail"]
    assert live_tag(repository, "latest").manifest == second


def test_restore_to_a_manifest_the_tag_never_had_is_404(alice_client, repo):
    assert restore(alice_client, "latest", repo[2].digest).status_code == 404


def test_restore_needs_a_manifest_digest(alice_client, repo):
    response = restore(alice_client, "latest", None)
    assert response.status_code == 400
    assert "manifest_digest" in response.json()["detail"]


def test_zero_window_keeps_nothing_restorable(alice_client, repo):
    repository, first, second = repo
    Namespace.objects.filter(pk=repository.namespace_id).update(time_machine_seconds=0)
    put(alice_client, "latest", {"manifest_digest": second.digest})
    assert restore(alice_client, "latest", first.digest).status_code == 400


# Permanent expiry ------------------------------------------------------------------------------


def expire(client: Client, tag: str, body: dict):
    return client.post(f"{URL}/{tag}/expire", body, content_type="application/json")


def test_expire_takes_an_ended_tag_out_of_the_time_machine(alice_client, repo, settings):
    settings.PERMANENTLY_DELETE_TAGS = True
    repository, first, _ = repo
    alice_client.delete(f"{URL}/latest")
    assert expire(alice_client, "latest", {"manifest_digest": first.digest}).status_code == 200
    assert repository.tags.get(name="latest").end <= timezone.now() - timedelta(weeks=2)
    assert restore(alice_client, "latest", first.digest).status_code == 400
    assert last_audit("permanently_delete_tag").metadata["manifest_digest"] == first.digest


def test_expire_the_live_tag(alice_client, repo, settings):
    settings.PERMANENTLY_DELETE_TAGS = True
    assert expire(alice_client, "latest", {"is_alive": True}).status_code == 200
    assert live(repo[0], "latest") is None


def test_expire_is_refused_unless_configured(alice_client, repo, settings):
    settings.PERMANENTLY_DELETE_TAGS = False
    assert expire(alice_client, "latest", {"is_alive": True}).status_code == 403
    assert live(repo[0], "latest") is not None


def test_expire_without_a_match_is_404(alice_client, repo, settings):
    settings.PERMANENTLY_DELETE_TAGS = True
    assert expire(alice_client, "latest", {"manifest_digest": repo[2].digest}).status_code == 404


# Roles, scopes and states ----------------------------------------------------------------------


def test_reader_may_not_change_tags(bob_client, bob, repo):
    permission_set(repository=repo[0], role="read", user=bob)
    assert put(bob_client, "v1", {"manifest_digest": repo[1].digest}).status_code == 403
    assert bob_client.delete(f"{URL}/latest").status_code == 403
    assert restore(bob_client, "latest", repo[1].digest).status_code == 403
    assert live(repo[0], "latest") is not None and live(repo[0], "v1") is None


def test_writer_changes_tags(bob_client, bob, repo):
    permission_set(repository=repo[0], role="write", user=bob)
    assert put(bob_client, "v1", {"manifest_digest": repo[1].digest}).status_code == 201


def test_stranger_gets_404_as_for_a_missing_repository(bob_client, repo):
    assert put(bob_client, "v1", {"manifest_digest": repo[1].digest}).status_code == 404
    assert bob_client.delete(f"{URL}/latest").status_code == 404
    assert bob_client.post(f"{URL}/latest/restore", {}, content_type="application/json").status_code == 404


def test_anonymous_is_401(client, repo):
    assert client.delete(f"{URL}/latest").status_code == 401


def test_read_token_may_not_change_tags_and_write_token_may(alice, repo, application):
    read = bearer(token_for(application, alice, "repo:read"))
    response = put(Client(), "v1", {"manifest_digest": repo[1].digest}, **read)
    assert response.status_code == 403
    assert response.json()["error_type"] == "insufficient_scope"
    write = bearer(token_for(application, alice, "repo:write"))
    assert put(Client(), "v1", {"manifest_digest": repo[1].digest}, **write).status_code == 201


@pytest.mark.parametrize("state", ["READ_ONLY", "MIRROR"])
def test_tag_changes_are_refused_outside_normal_state(alice_client, repo, state):
    repository, first, second = repo
    Repository.objects.filter(pk=repository.pk).update(state=state)
    response = put(alice_client, "latest", {"manifest_digest": second.digest})
    assert response.status_code == 503
    assert state in response.json()["detail"]
    assert alice_client.delete(f"{URL}/latest").status_code == 503
    assert restore(alice_client, "latest", first.digest).status_code == 503
    assert live_tag(repository, "latest").manifest == first
    assert alice_client.get(f"{URL}/").status_code == 200
