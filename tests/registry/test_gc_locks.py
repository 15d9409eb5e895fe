"""GC beside a push holding locks, on PostgreSQL: it skips what a push holds and takes it later."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from orgs.models import Namespace
from registry.models import Blob, Manifest, Repository, RepositoryBlob
from registry.services.blob_locks import blob_deletion_lock, blob_reference_guard
from registry.services.blobs import blob_mount
from registry.services.gc import gc_run
from registry.services.gc_blobs import _blob_rows_delete
from registry.storage import storage_for
from registry.storage.paths import blob_path
from tests.registry.pushing import digest_of, image_manifest, push_blob, push_manifest

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row and advisory locks are PostgreSQL's"),
]
WAIT_SECONDS = 10


@pytest.fixture(autouse=True)
def no_grace(settings):
    settings.PUSH_TEMP_TAG_EXPIRATION_SEC = 0


def another_session_waits_for_a_lock(timeout: float = WAIT_SECONDS) -> bool:
    """True once some other session of this database is blocked on a lock (a row, a transaction
    or an advisory lock): the barrier after which a holder may go on, instead of a sleep."""
    deadline = time.monotonic() + timeout
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.01)
    return False


def held_elsewhere(hold) -> tuple[threading.Event, threading.Event, threading.Thread]:
    """Runs ``hold`` in a transaction on another connection until the test releases it."""
    holding, release = threading.Event(), threading.Event()

    def run() -> None:
        try:
            with transaction.atomic():
                hold()
                holding.set()
                release.wait(WAIT_SECONDS)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    assert holding.wait(WAIT_SECONDS)
    return holding, release, thread


def test_gc_leaves_a_blob_a_push_is_referencing_and_takes_it_afterwards(as_alice):
    layer = os.urandom(100)
    push_blob(as_alice, "alice/app", layer)
    RepositoryBlob.objects.all().delete()
    _, release, thread = held_elsewhere(lambda: blob_reference_guard(digest_of(layer)))

    assert gc_run().blobs_deleted == 0
    assert Blob.objects.filter(digest=digest_of(layer)).exists()

    release.set()
    thread.join(WAIT_SECONDS)
    assert gc_run().blobs_deleted == 1


def test_a_mount_after_gc_took_the_blob_finds_nothing_to_mount(as_alice):
    layer = os.urandom(100)
    push_blob(as_alice, "alice/source", layer)
    source = Repository.objects.get(name="source")
    target = Repository.objects.create(namespace=Namespace.objects.get(name="alice"), name="target")
    RepositoryBlob.objects.all().delete()
    gc_run()

    with transaction.atomic():
        assert blob_mount(repository=target, digest=digest_of(layer), source=source, pusher_id=None) is None
    assert not RepositoryBlob.objects.exists()


def test_gc_skips_a_repository_a_push_holds_and_counts_it(as_alice):
    push_blob(as_alice, "alice/app", os.urandom(100))
    repository = Repository.objects.get(name="app")
    lock = Repository.objects.select_for_update().filter(pk=repository.pk)
    _, release, thread = held_elsewhere(lambda: lock.first())

    run = gc_run()
    assert (run.repositories, run.repositories_skipped, run.blob_links_deleted) == (0, 1, 0)

    release.set()
    thread.join(WAIT_SECONDS)
    run = gc_run()
    assert (run.repositories, run.repositories_skipped, run.blob_links_deleted) == (1, 0, 1)


def gc_mid_deletion(
    digest: str, before_storage_delete: Callable[[], object]
) -> tuple[threading.Thread, list[object]]:
    """GC as it deletes one blob: rows deleted and committed, then ``before_storage_delete`` (the
    test's barrier), then its bytes, all under the blob's deletion lock. Returns once the rows
    are gone, with the thread and what the barrier answered."""
    rows_gone = threading.Event()
    outcome: list[object] = []

    def run() -> None:
        try:
            blob = Blob.objects.get(digest=digest)
            with blob_deletion_lock([digest]) as held:
                assert held == {digest}
                deleted = _blob_rows_delete([blob.pk], timezone.now())
                rows_gone.set()
                outcome.append(before_storage_delete())
                for _, _, locations in deleted:
                    for location in locations:
                        storage_for(location).delete(blob_path(digest))
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    assert rows_gone.wait(WAIT_SECONDS)
    return thread, outcome


def test_an_upload_finishing_while_gc_deletes_those_bytes_stores_them_again(as_alice, isolated_storage):
    layer = os.urandom(100)
    push_blob(as_alice, "alice/app", layer)
    RepositoryBlob.objects.all().delete()
    # GC deletes the bytes only once the upload below is blocked on the blob's lock.
    gc, barrier = gc_mid_deletion(digest_of(layer), before_storage_delete=another_session_waits_for_a_lock)

    # Waits for GC's storage delete, then finds no stored copy and stores its own bytes.
    push_blob(as_alice, "alice/app", layer)
    gc.join(WAIT_SECONDS)
    assert barrier == [True]

    assert (isolated_storage / blob_path(digest_of(layer))).read_bytes() == layer
    token = as_alice.token("repository:alice/app:pull")
    response = as_alice.client.get(
        f"/v2/alice/app/blobs/{digest_of(layer)}", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert b"".join(response.streaming_content) == layer


def test_a_manifest_put_while_gc_unlinks_its_layer_is_refused_cleanly(as_alice):
    config, layer = b'{"architecture":"amd64","os":"linux"}', os.urandom(100)
    push_blob(as_alice, "alice/app", config)
    push_blob(as_alice, "alice/app", layer)
    repository = Repository.objects.get(name="app")
    unlinked = threading.Event()
    push_waited: list[bool] = []

    def gc_unlinks() -> None:
        # GC's link step: the repository row locked, the layer's link deleted, committed once the
        # manifest PUT below is blocked on that row.
        try:
            with transaction.atomic():
                Repository.objects.select_for_update().filter(pk=repository.pk).first()
                RepositoryBlob.objects.filter(repository=repository, blob__digest=digest_of(layer)).delete()
                unlinked.set()
                push_waited.append(another_session_waits_for_a_lock())
        finally:
            connections.close_all()

    gc = threading.Thread(target=gc_unlinks)
    gc.start()
    assert unlinked.wait(WAIT_SECONDS)
    response = push_manifest(as_alice, "alice/app", "v1", image_manifest(config, [layer]))
    gc.join(WAIT_SECONDS)

    assert push_waited == [True]
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "MANIFEST_BLOB_UNKNOWN"
    assert not Manifest.objects.exists()
