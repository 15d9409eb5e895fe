"""The replication job: copies every blob to each required location, durably and idempotently."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from registry.models import Blob, BlobPlacement, BlobReplication
from registry.services import replication
from registry.services.gc import gc_run
from registry.services.replication import replication_claim, replication_run
from registry.storage.paths import blob_path
from tests.registry.pushing import push_blob
from tests.registry.replication.conftest import make_due

pytestmark = pytest.mark.django_db
LAYER = b"geo-replicated layer " * 4096


def placed(digest: str) -> set[str]:
    return set(BlobPlacement.objects.filter(blob__digest=digest).values_list("location", flat=True))


def test_push_lands_in_the_preferred_location_and_queues_the_others(as_alice, locations):
    digest = push_blob(as_alice, "alice/app", LAYER)

    assert placed(digest) == {"east"}
    assert locations.read("east", digest) == LAYER
    assert locations.read("west", digest) is None
    assert list(BlobReplication.objects.values_list("location", flat=True)) == ["west"]


def test_the_job_copies_the_bytes_and_records_the_placement(as_alice, locations):
    digest = push_blob(as_alice, "alice/app", LAYER)

    assert replication_run() == 1

    assert locations.read("west", digest) == LAYER
    assert placed(digest) == {"east", "west"}
    assert not BlobReplication.objects.exists()


def test_without_replication_nothing_is_queued(as_alice, locations, settings):
    settings.STORAGE_REPLICATION = False
    digest = push_blob(as_alice, "alice/app", LAYER)

    assert placed(digest) == {"east"}
    assert not BlobReplication.objects.exists()


def test_a_second_run_and_a_second_push_copy_nothing_again(as_alice, locations):
    digest = push_blob(as_alice, "alice/app", LAYER)
    replication_run()

    push_blob(as_alice, "alice/other", LAYER)

    assert not BlobReplication.objects.exists()
    assert replication_run() == 0
    assert placed(digest) == {"east", "west"}


def test_a_target_already_holding_the_bytes_is_recorded_without_a_copy(as_alice, locations):
    digest = push_blob(as_alice, "alice/app", LAYER)
    target = locations.directory("west") / blob_path(digest)
    target.parent.mkdir(parents=True)
    target.write_bytes(LAYER)
    written = target.stat().st_mtime_ns

    assert replication_run() == 1

    assert placed(digest) == {"east", "west"}
    assert target.stat().st_mtime_ns == written


def test_a_target_that_is_down_is_retried_with_a_doubling_delay(as_alice, locations):
    digest = push_blob(as_alice, "alice/app", LAYER)
    locations.block("west")

    before = timezone.now()
    assert replication_run() == 0
    row = BlobReplication.objects.get()
    assert (row.attempts, row.last_error != "") == (1, True)
    assert timedelta(seconds=9) < row.next_attempt - before < timedelta(seconds=12)
    # Not due yet: the next poll leaves it.
    assert replication_run() == 0
    make_due()
    replication_run()
    row.refresh_from_db()
    assert row.attempts == 2
    assert timedelta(seconds=19) < row.next_attempt - timezone.now() < timedelta(seconds=21)

    locations.unblock("west")
    make_due()
    assert replication_run() == 1
    assert locations.read("west", digest) == LAYER
    assert placed(digest) == {"east", "west"}


def test_a_source_not_yet_visible_is_retried_until_it_is(as_alice, locations):
    digest = push_blob(as_alice, "alice/app", LAYER)
    source = locations.directory("east") / blob_path(digest)
    source.rename(source.with_suffix(".hidden"))

    assert replication_run() == 0
    assert BlobReplication.objects.get().attempts == 1

    source.with_suffix(".hidden").rename(source)
    make_due()
    assert replication_run() == 1
    assert locations.read("west", digest) == LAYER


def test_bytes_that_do_not_match_the_digest_are_never_placed(as_alice, locations):
    digest = push_blob(as_alice, "alice/app", LAYER)
    (locations.directory("east") / blob_path(digest)).write_bytes(b"X" * len(LAYER))

    assert replication_run() == 0

    assert locations.read("west", digest) is None
    assert placed(digest) == {"east"}
    assert digest in BlobReplication.objects.get().last_error


def test_a_claim_a_dead_worker_held_is_taken_again_after_its_lease(as_alice, locations):
    digest = push_blob(as_alice, "alice/app", LAYER)
    [claim] = replication_claim()

    # The worker died holding the claim: nobody else copies the blob until the lease ends.
    assert replication_run() == 0
    make_due()
    assert replication_run() == 1
    assert placed(digest) == {"east", "west"}
    assert claim.attempts == 1


def test_two_workers_never_claim_the_same_row(as_alice, locations):
    for n in range(3):
        push_blob(as_alice, "alice/app", LAYER + bytes([n]))

    first = replication_claim(limit=2)
    second = replication_claim(limit=2)

    assert len(first) == 2
    assert len(second) == 1
    assert not {claim.pk for claim in first} & {claim.pk for claim in second}


def test_gc_deletes_the_blob_from_every_location(as_alice, locations, settings):
    settings.PUSH_TEMP_TAG_EXPIRATION_SEC = 0
    digest = push_blob(as_alice, "alice/app", LAYER)
    replication_run()
    Blob.objects.filter(digest=digest).update(created=timezone.now() - timedelta(hours=1))
    as_alice.call("DELETE", f"/v2/alice/app/blobs/{digest}", scope="repository:alice/app:push,pull,*")

    gc_run()

    assert not Blob.objects.filter(digest=digest).exists()
    assert locations.read("east", digest) is None
    assert locations.read("west", digest) is None


def test_gc_deleting_the_blob_during_its_copy_leaves_no_copy_behind(
    as_alice, locations, settings, monkeypatch
):
    settings.PUSH_TEMP_TAG_EXPIRATION_SEC = 0
    digest = push_blob(as_alice, "alice/app", LAYER)
    Blob.objects.filter(digest=digest).update(created=timezone.now() - timedelta(hours=1))
    as_alice.call("DELETE", f"/v2/alice/app/blobs/{digest}", scope="repository:alice/app:push,pull,*")
    copy = replication.blob_copy

    def copy_then_collect(**kwargs: str | int) -> None:
        copy(**kwargs)  # type: ignore[arg-type]
        assert locations.read("west", digest) == LAYER
        gc_run()

    monkeypatch.setattr(replication, "blob_copy", copy_then_collect)

    assert replication_run() == 0

    assert not Blob.objects.filter(digest=digest).exists()
    assert locations.read("east", digest) is None
    assert locations.read("west", digest) is None
