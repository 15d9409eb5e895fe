"""The points where features plug into the core (registry.hooks): each is called once per change
from the service, inside its transaction, and a ``before_*`` hook that raises refuses the change
with nothing of it left behind."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest

from orgs.models import Namespace
from registry import hooks
from registry.errors import Denied
from registry.models import Blob, BlobUpload, Manifest, Repository, Tag
from registry.services import blobs, manifests, repositories, tags, uploads
from registry.services.gc import gc_run
from tests.registry.pushing import digest_of, image_manifest, push_blob, push_manifest

pytestmark = pytest.mark.django_db
PUSH = "repository:alice/app:push,pull"
DELETE = "repository:alice/app:delete"
POINTS = (
    "before_upload",
    "before_manifest_commit",
    "after_push",
    "after_tag_delete",
    "before_manifest_delete",
    "after_blob_delete",
    "after_push_denied",
)
CONFIG = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers"}}).encode()


@pytest.fixture
def calls(monkeypatch) -> Iterator[dict[str, list]]:
    """Every hook point with a recorder registered, as a feature's ready() would."""
    seen: dict[str, list] = {point: [] for point in POINTS}
    for point in POINTS:
        monkeypatch.setattr(hooks, point, [seen[point].append])
    yield seen


def _image(registry, tag: str, layer: bytes) -> tuple[str, bytes]:
    for blob in (CONFIG, layer):
        push_blob(registry, "alice/app", blob)
    manifest = image_manifest(CONFIG, [layer])
    response = push_manifest(registry, "alice/app", tag, manifest)
    assert response.status_code == 201, response.content
    return response["Docker-Content-Digest"], manifest


def test_a_push_calls_each_push_hook_once_per_blob_and_manifest(as_alice, alice, calls):
    digest, manifest = _image(as_alice, "v1", os.urandom(64))
    assert [event.pusher_id for event in calls["before_upload"]] == [alice.pk, alice.pk]
    [commit] = calls["before_manifest_commit"]
    assert (commit.manifest.digest, commit.created, commit.tag, commit.pusher_id) == (
        digest,
        True,
        "v1",
        alice.pk,
    )
    [pushed] = calls["after_push"]
    assert (pushed.manifest.digest, pushed.tag) == (digest, "v1")
    assert push_manifest(as_alice, "alice/app", "v2", manifest).status_code == 201
    assert [(c.created, c.tag) for c in calls["before_manifest_commit"]] == [(True, "v1"), (False, "v2")]
    assert push_manifest(as_alice, "alice/app", digest, manifest).status_code == 201
    assert calls["after_push"][-1].tag is None


def test_a_refusing_manifest_hook_rolls_the_push_back(as_alice, calls, monkeypatch):
    def refuse(event: hooks.ManifestCommit) -> None:
        raise Denied(message="quota exceeded for alice")

    monkeypatch.setattr(hooks, "before_manifest_commit", [refuse])
    for blob in (CONFIG, layer := os.urandom(64)):
        push_blob(as_alice, "alice/app", blob)
    response = push_manifest(as_alice, "alice/app", "v1", image_manifest(CONFIG, [layer]))
    assert response.status_code == 403
    assert response.json()["errors"][0] == {"code": "DENIED", "message": "quota exceeded for alice"}
    assert not Manifest.objects.exists() and not Tag.objects.exists()
    assert calls["after_push"] == []


def test_a_refusal_is_reported_once_its_transaction_rolled_back(as_alice, alice, calls, monkeypatch):
    error = Denied(message="no")
    seen_after_rollback = []

    def refuse(event: hooks.ManifestCommit) -> None:
        raise error

    def report(event: hooks.PushDenied) -> None:
        seen_after_rollback.append((event.error, event.pusher_id, Manifest.objects.exists()))

    monkeypatch.setattr(hooks, "before_manifest_commit", [refuse])
    monkeypatch.setattr(hooks, "after_push_denied", [report])
    for blob in (CONFIG, layer := os.urandom(64)):
        push_blob(as_alice, "alice/app", blob)
    assert push_manifest(as_alice, "alice/app", "v1", image_manifest(CONFIG, [layer])).status_code == 403
    assert seen_after_rollback == [(error, alice.pk, False)]


def test_a_refusing_upload_hook_refuses_every_way_a_blob_enters(as_alice, bob, calls, monkeypatch):
    layer = os.urandom(64)
    source = repositories.repository_get_or_create(full_name="bob/base", creator=bob)
    blobs.blob_record(digest=digest_of(layer), size=len(layer), location="default", repository=source)

    def refuse(event: hooks.UploadStart) -> None:
        raise Denied(message=f"no room for {event.size} bytes")

    monkeypatch.setattr(hooks, "before_upload", [refuse])
    started = as_alice.call("POST", "/v2/alice/app/blobs/uploads/", scope=PUSH)
    monolithic = as_alice.call(
        "POST", f"/v2/alice/app/blobs/uploads/?digest={digest_of(layer)}", scope=PUSH, data=layer
    )
    assert (started.status_code, monolithic.status_code) == (403, 403)
    assert not BlobUpload.objects.exists()
    target = Repository.objects.get(name="app")
    with pytest.raises(Denied, match="no room for 64 bytes"):
        blobs.blob_mount(repository=target, digest=digest_of(layer), source=source, pusher_id=None)
    assert not target.blob_links.exists()
    assert [event.error.message for event in calls["after_push_denied"]] == [
        "no room for None bytes",
        "no room for None bytes",
        "no room for 64 bytes",
    ]


def test_deletes_report_the_tags_and_links_they_end(as_alice, alice, calls):
    digest, _ = _image(as_alice, "v1", os.urandom(64))
    push_manifest(as_alice, "alice/app", "v2", Manifest.objects.get(digest=digest).content)
    assert as_alice.call("DELETE", "/v2/alice/app/manifests/v2", scope=DELETE).status_code == 202
    assert as_alice.call("DELETE", f"/v2/alice/app/manifests/{digest}", scope=DELETE).status_code == 202
    assert [(event.names, event.actor_id) for event in calls["after_tag_delete"]] == [
        (("v2",), alice.pk),
        (("v1",), alice.pk),
    ]
    config = Blob.objects.get(digest=digest_of(CONFIG))
    assert as_alice.call("DELETE", f"/v2/alice/app/blobs/{config.digest}", scope=DELETE).status_code == 202
    [unlinked] = calls["after_blob_delete"]
    assert unlinked.blobs == ((config.pk, config.size),)
    assert unlinked.repository_id == Repository.objects.get(name="app").pk


def test_garbage_collection_reports_the_manifests_and_blobs_it_deletes(as_alice, alice, calls, settings):
    settings.PUSH_TEMP_TAG_EXPIRATION_SEC = 0
    Namespace.objects.filter(name="alice").update(time_machine_seconds=0)
    layer = os.urandom(64)
    digest, manifest = _image(as_alice, "v1", layer)
    repository = Repository.objects.get(name="app")
    manifest_id = Manifest.objects.get(digest=digest).pk
    tags.tag_delete(actor=alice, repository=repository, name="v1")
    assert [event.names for event in calls["after_tag_delete"]] == [("v1",)]
    gc_run()
    [deleting] = calls["before_manifest_delete"]
    assert deleting.manifests == ((manifest_id, len(manifest)),)
    links, rows = calls["after_blob_delete"]
    sizes = sorted([len(CONFIG), len(layer)])
    assert (links.repository_id, sorted(size for _, size in links.blobs)) == (repository.pk, sizes)
    assert (rows.repository_id, sorted(size for _, size in rows.blobs)) == (None, sizes)
    assert not Blob.objects.exists()


def test_deleting_a_repository_reports_its_manifests(as_alice, alice, calls):
    digest, manifest = _image(as_alice, "v1", os.urandom(64))
    manifest_id = Manifest.objects.get(digest=digest).pk
    repositories.repository_delete(repository=Repository.objects.get(name="app"), actor=alice)
    assert [event.manifests for event in calls["before_manifest_delete"]] == [((manifest_id, len(manifest)),)]


@pytest.mark.parametrize(
    "write",
    [
        lambda repo, upload: uploads.upload_start(repository=repo, pusher_id=None),
        lambda repo, upload: uploads.upload_append(upload=upload, pusher_id=None, chunks=[b"x"]),
        lambda repo, upload: uploads.upload_finish(
            upload=upload, pusher_id=None, digest=digest_of(b"x"), chunks=[]
        ),
        lambda repo, upload: uploads.upload_cancel(upload=upload, pusher_id=None),
        lambda repo, upload: uploads.blob_upload_monolithic(
            repository=repo, pusher_id=None, digest=digest_of(b"x"), chunks=[b"x"]
        ),
        lambda repo, upload: blobs.blob_unlink(repository=repo, digest=digest_of(b"x"), pusher_id=None),
        lambda repo, upload: tags.tag_delete_registry(repository=repo, name="v1", pusher_id=None),
        lambda repo, upload: manifests.manifest_delete(
            repository=repo, digest=digest_of(b"x"), pusher_id=None
        ),
    ],
    ids=["start", "append", "finish", "cancel", "monolithic", "unlink", "tag-delete", "manifest-delete"],
)
def test_every_registry_write_checks_the_repository_state_in_its_service(alice, write):
    repository = repositories.repository_get_or_create(full_name="alice/app", creator=alice)
    upload = uploads.upload_start(repository=repository, pusher_id=alice.pk)
    Repository.objects.filter(pk=repository.pk).update(state=Repository.State.READ_ONLY)
    repository.refresh_from_db()
    upload.repository = repository
    with pytest.raises(Denied, match="READ_ONLY"):
        write(repository, upload)
    assert BlobUpload.objects.filter(pk=upload.pk).exists()
