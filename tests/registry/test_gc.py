"""Garbage collection: what a live tag reaches pulls byte for byte afterwards; what nothing
reaches past the time machine and the grace period is gone from the database and from storage."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from orgs.models import Namespace
from registry.manifest_formats import OCI_INDEX, OCI_MANIFEST
from registry.models import Blob, GCRun, Manifest, ManifestBlob, Repository, RepositoryBlob, Tag
from registry.services import gc
from registry.services.gc import gc_run
from registry.storage.paths import blob_path
from tests.registry.pushing import digest_of, image_manifest, index_manifest, push_blob, push_manifest

pytestmark = pytest.mark.django_db
PULL = "repository:{}:pull"


@pytest.fixture(autouse=True)
def no_grace(settings):
    """Unreferenced uploads and untagged manifests are garbage at once unless a test says otherwise."""
    settings.PUSH_TEMP_TAG_EXPIRATION_SEC = 0


@pytest.fixture
def no_time_machine(alice):
    Namespace.objects.filter(name="alice").update(time_machine_seconds=0)


CONFIG = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers"}}).encode()


def push_layers(registry, repository: str, tag: str, layers: list[bytes], *, config: bytes = CONFIG) -> str:
    for blob in [config, *layers]:
        push_blob(registry, repository, blob)
    response = push_manifest(registry, repository, tag, image_manifest(config, layers))
    assert response.status_code == 201, response.content
    return response["Docker-Content-Digest"]


def tag_end(repository: str, tag: str, *, ago: timedelta = timedelta(seconds=1)) -> None:
    """Ends the tag's live row, as deleting the tag does."""
    namespace, name = repository.split("/", 1)
    ended = Tag.objects.filter(
        repository__namespace__name=namespace, repository__name=name, name=tag, end__isnull=True
    ).update(end=timezone.now() - ago)
    assert ended == 1


def pulled(registry, repository: str, reference: str) -> list[bytes]:
    """The manifest's bytes followed by every blob it names, as a client would pull them."""
    scope = PULL.format(repository)
    response = registry.call("GET", f"/v2/{repository}/manifests/{reference}", scope=scope)
    assert response.status_code == 200, response.content
    manifest = json.loads(response.content)
    contents = [response.content]
    for descriptor in [manifest["config"], *manifest["layers"]]:
        blob = registry.call("GET", f"/v2/{repository}/blobs/{descriptor['digest']}", scope=scope)
        assert blob.status_code == 200, descriptor
        contents.append(b"".join(blob.streaming_content))
    return contents


def stored(storage: Path, data: bytes) -> bool:
    return (storage / blob_path(digest_of(data))).exists()


def test_gc_deletes_what_an_ended_tag_left_and_keeps_what_a_live_tag_reaches(
    as_alice, no_time_machine, isolated_storage
):
    shared, kept_only, dropped_only = os.urandom(300), os.urandom(300), os.urandom(300)
    push_layers(as_alice, "alice/app", "live", [shared, kept_only])
    before = pulled(as_alice, "alice/app", "live")
    dropped = push_layers(as_alice, "alice/app", "old", [shared, dropped_only])
    tag_end("alice/app", "old")

    run = gc_run()

    assert pulled(as_alice, "alice/app", "live") == before
    assert not Manifest.objects.filter(digest=dropped).exists()
    assert not Tag.objects.filter(name="old").exists()
    assert not Blob.objects.filter(digest=digest_of(dropped_only)).exists()
    assert not stored(isolated_storage, dropped_only)
    assert stored(isolated_storage, shared) and stored(isolated_storage, kept_only)
    # Both images share their config: only the dropped layer goes.
    assert (run.tags_deleted, run.manifests_deleted, run.blob_links_deleted, run.blobs_deleted) == (
        1,
        1,
        1,
        1,
    )
    assert run.bytes_reclaimed == len(dropped_only)


def test_nothing_unreachable_remains_in_the_database_or_in_storage(
    as_alice, no_time_machine, isolated_storage
):
    layers = [os.urandom(200) for _ in range(3)]
    push_layers(as_alice, "alice/gone", "a", layers[:2])
    push_layers(as_alice, "alice/gone", "b", layers[1:])
    tag_end("alice/gone", "a")
    tag_end("alice/gone", "b")

    gc_run()

    assert not Manifest.objects.filter(repository__name="gone").exists()
    assert not RepositoryBlob.objects.exists()
    assert not Blob.objects.exists()
    assert [path for path in isolated_storage.rglob("*") if path.is_file()] == []


def test_a_blob_another_repository_holds_survives(as_alice, no_time_machine, isolated_storage):
    shared = os.urandom(500)
    push_layers(as_alice, "alice/one", "v1", [shared])
    push_layers(as_alice, "alice/two", "v1", [shared])
    before = pulled(as_alice, "alice/two", "v1")
    tag_end("alice/one", "v1")

    gc_run()

    assert not RepositoryBlob.objects.filter(repository__name="one").exists()
    assert stored(isolated_storage, shared)
    assert pulled(as_alice, "alice/two", "v1") == before


def test_an_ended_tag_inside_the_time_machine_window_keeps_its_manifest(as_alice, isolated_storage):
    layer = os.urandom(300)
    digest = push_layers(as_alice, "alice/app", "v1", [layer])
    tag_end("alice/app", "v1", ago=timedelta(days=1))

    run = gc_run()

    assert run.manifests_deleted == run.blobs_deleted == 0
    assert Manifest.objects.filter(digest=digest).exists()
    assert Tag.objects.filter(name="v1").exists()
    assert pulled(as_alice, "alice/app", digest)[2] == layer
    assert stored(isolated_storage, layer)


def test_an_untagged_manifest_stays_for_the_grace_period_then_goes(as_alice, settings):
    config, layer = b'{"architecture":"amd64","os":"linux"}', os.urandom(100)
    push_blob(as_alice, "alice/app", config)
    push_blob(as_alice, "alice/app", layer)
    manifest = image_manifest(config, [layer])
    assert push_manifest(as_alice, "alice/app", digest_of(manifest), manifest).status_code == 201
    settings.PUSH_TEMP_TAG_EXPIRATION_SEC = 3600

    assert gc_run().manifests_deleted == 0
    assert Blob.objects.filter(digest=digest_of(layer)).exists()

    settings.PUSH_TEMP_TAG_EXPIRATION_SEC = 0
    assert gc_run().manifests_deleted == 1
    assert not Blob.objects.filter(digest=digest_of(layer)).exists()


def test_a_kept_index_keeps_its_children_and_their_referrers(as_alice, no_time_machine):
    children = []
    for arch in ("amd64", "arm64"):
        config = json.dumps({"architecture": arch, "os": "linux"}).encode()
        layer = os.urandom(100)
        push_blob(as_alice, "alice/multi", config)
        push_blob(as_alice, "alice/multi", layer)
        body = image_manifest(config, [layer])
        assert push_manifest(as_alice, "alice/multi", digest_of(body), body).status_code == 201
        children.append((digest_of(body), body, arch))
    index = index_manifest(children)
    assert push_manifest(as_alice, "alice/multi", "v1", index, OCI_INDEX).status_code == 201
    signature = b"signature"
    push_blob(as_alice, "alice/multi", signature)
    referrer = image_manifest(
        signature,
        [],
        subject={"mediaType": OCI_MANIFEST, "digest": children[0][0], "size": len(children[0][1])},
    )
    assert push_manifest(as_alice, "alice/multi", digest_of(referrer), referrer).status_code == 201

    assert gc_run().manifests_deleted == 0
    assert Manifest.objects.filter(repository__name="multi").count() == 4

    tag_end("alice/multi", "v1")
    run = gc_run()
    assert run.manifests_deleted == 4
    assert not Manifest.objects.filter(repository__name="multi").exists()
    assert not ManifestBlob.objects.exists()


def test_a_referrer_deleted_by_digest_goes_though_its_subject_stays(as_alice, no_time_machine):
    subject_digest = push_layers(as_alice, "alice/signed", "v1", [os.urandom(64)])
    subject = Manifest.objects.get(digest=subject_digest)
    signature = b"revoked signature"
    push_blob(as_alice, "alice/signed", signature)
    referrer = image_manifest(
        signature, [], subject={"mediaType": OCI_MANIFEST, "digest": subject_digest, "size": subject.size}
    )
    assert push_manifest(as_alice, "alice/signed", digest_of(referrer), referrer).status_code == 201
    assert gc_run().manifests_deleted == 0

    path = "/v2/alice/signed/manifests/" + digest_of(referrer)
    response = as_alice.call("DELETE", path, scope="repository:alice/signed:*")
    assert response.status_code == 202
    assert gc_run().manifests_deleted == 1
    assert list(Manifest.objects.filter(repository__name="signed").values_list("digest", flat=True)) == [
        subject_digest
    ]
    assert pulled(as_alice, "alice/signed", "v1")


def test_dry_run_lists_what_would_go_and_deletes_nothing(as_alice, no_time_machine, isolated_storage):
    layer = os.urandom(300)
    digest = push_layers(as_alice, "alice/app", "old", [layer])
    tag_end("alice/app", "old")
    files = sorted(isolated_storage.rglob("*"))
    rows = (
        Tag.objects.count(),
        Manifest.objects.count(),
        RepositoryBlob.objects.count(),
        Blob.objects.count(),
    )

    run = gc_run(dry_run=True)

    assert (run.tags_deleted, run.manifests_deleted, run.blob_links_deleted, run.blobs_deleted) == (
        1,
        1,
        2,
        2,
    )
    assert run.bytes_reclaimed == len(layer) + len(CONFIG)
    assert f"manifest alice/app@{digest}" in run.would_delete
    assert f"blob {digest_of(layer)} ({len(layer)} bytes)" in run.would_delete
    assert (
        Tag.objects.count(),
        Manifest.objects.count(),
        RepositoryBlob.objects.count(),
        Blob.objects.count(),
    ) == rows
    assert sorted(isolated_storage.rglob("*")) == files


def test_command_dry_run_prints_the_list_and_one_repository_is_collected_alone(
    as_alice, no_time_machine, capsys
):
    push_layers(as_alice, "alice/one", "old", [os.urandom(100)])
    push_layers(as_alice, "alice/two", "old", [os.urandom(100)])
    tag_end("alice/one", "old")
    tag_end("alice/two", "old")

    call_command("registry_gc", "--dry-run", "--repository", "alice/one")
    output = capsys.readouterr().out
    assert "would delete manifest alice/one@" in output and "alice/two" not in output
    assert "dry run" in output

    call_command("registry_gc", "--repository", "alice/one")
    assert not Manifest.objects.filter(repository__name="one").exists()
    assert Manifest.objects.filter(repository__name="two").exists()
    assert GCRun.objects.filter(dry_run=False, repository_name="alice/one", manifests_deleted=1).exists()


def test_command_refuses_an_unknown_repository(db):
    with pytest.raises(CommandError, match="no repository"):
        call_command("registry_gc", "--repository", "nobody/nothing")


def test_a_repository_that_lost_its_garbage_is_left_as_it_was(as_alice, no_time_machine):
    push_layers(as_alice, "alice/app", "live", [os.urandom(100)])
    gc_run()
    rows = list(RepositoryBlob.objects.order_by("pk").values_list("pk", flat=True))

    run = gc_run()

    assert (run.tags_deleted, run.manifests_deleted, run.blob_links_deleted, run.blobs_deleted) == (
        0,
        0,
        0,
        0,
    )
    assert list(RepositoryBlob.objects.order_by("pk").values_list("pk", flat=True)) == rows
    assert Repository.objects.filter(name="app").exists()


def test_a_full_run_that_cannot_visit_every_repository_goes_on_where_the_last_one_stopped(
    as_alice, monkeypatch
):
    for name in ("first", "second"):
        push_blob(as_alice, f"alice/{name}", os.urandom(50))
    first, second = Repository.objects.order_by("pk").values_list("pk", flat=True)
    monkeypatch.setattr(gc, "GC_REPOSITORIES_PER_RUN", 1)

    visited = [gc_run().last_repository_id for _ in range(3)]

    assert visited == [first, second, first]
    assert RepositoryBlob.objects.count() == 0
