"""Stale upload cleanup: abandoned uploads lose their rows and segments; live ones are untouched."""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from datetime import timedelta
from pathlib import Path

import django_rq
import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone

from orgs.models import Namespace
from quaysite import jobs
from registry.models import BlobUpload, Repository
from registry.services.upload_cleanup import uploads_stale_cleanup
from registry.services.uploads import upload_append, upload_start
from registry.storage import storage_for
from registry.storage.s3 import S3Storage

WAIT_SECONDS = 10
# A database index of its own on the shared Redis; the tests remove only the jobs they add.
REDIS_TEST_URL = "redis://127.0.0.1:6379/15"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def repository() -> Repository:
    namespace = Namespace.objects.create(name="acme", kind=Namespace.Kind.ORGANIZATION)
    return Repository.objects.create(namespace=namespace, name="app")


def upload_with_segments(repository: Repository, *, idle_for: timedelta) -> BlobUpload:
    upload = upload_start(repository=repository, pusher_id=None)
    upload = upload_append(upload=upload, pusher_id=None, chunks=[b"first chunk"])
    upload = upload_append(upload=upload, pusher_id=None, chunks=[b"second chunk"])
    # update() bypasses auto_now, so the row can look as old as the test needs.
    BlobUpload.objects.filter(pk=upload.pk).update(updated=timezone.now() - idle_for)
    return upload


def segment_files(storage: Path, upload: BlobUpload) -> list[str]:
    folder = storage / "uploads" / upload.uuid
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def upload_pks() -> list[int]:
    return sorted(BlobUpload.objects.values_list("pk", flat=True))


def test_cleanup_removes_a_stale_upload_row_and_its_segments(repository, isolated_storage):
    stale = upload_with_segments(repository, idle_for=timedelta(days=3))
    assert segment_files(isolated_storage, stale) == ["000000", "000001"]

    assert uploads_stale_cleanup(older_than=timedelta(days=2)) == 1

    assert upload_pks() == []
    assert segment_files(isolated_storage, stale) == []
    assert not (isolated_storage / "uploads" / stale.uuid).exists()


def test_cleanup_keeps_fresh_uploads_and_their_segments(repository, isolated_storage):
    upload_with_segments(repository, idle_for=timedelta(days=3))
    fresh = upload_with_segments(repository, idle_for=timedelta(hours=1))

    uploads_stale_cleanup(older_than=timedelta(days=2))

    assert upload_pks() == [fresh.pk]
    assert segment_files(isolated_storage, fresh) == ["000000", "000001"]


def test_cleanup_by_default_removes_uploads_idle_for_more_than_two_days(repository, settings):
    assert settings.BLOBUPLOAD_DELETION_DATE_THRESHOLD == 2
    upload_with_segments(repository, idle_for=timedelta(hours=49))
    kept = upload_with_segments(repository, idle_for=timedelta(hours=47))

    uploads_stale_cleanup()

    assert upload_pks() == [kept.pk]


def test_cleanup_running_twice_is_harmless(repository, isolated_storage):
    upload_with_segments(repository, idle_for=timedelta(days=3))
    fresh = upload_with_segments(repository, idle_for=timedelta(hours=1))

    assert uploads_stale_cleanup() == 1
    assert uploads_stale_cleanup() == 0

    assert upload_pks() == [fresh.pk]
    assert segment_files(isolated_storage, fresh) == ["000000", "000001"]


def test_cleanup_goes_on_past_an_upload_whose_storage_fails(repository, isolated_storage):
    unreachable = upload_with_segments(repository, idle_for=timedelta(days=3))
    BlobUpload.objects.filter(pk=unreachable.pk).update(location="removed-from-config")
    stale = upload_with_segments(repository, idle_for=timedelta(days=3))

    assert uploads_stale_cleanup() == 1

    assert upload_pks() == [unreachable.pk]
    assert segment_files(isolated_storage, stale) == []


def test_cleanup_skips_uploads_another_worker_has_claimed(repository, isolated_storage):
    if not connection.features.has_select_for_update_skip_locked:
        pytest.skip("this database has no SKIP LOCKED; its cleanups run one at a time instead")
    claimed = upload_with_segments(repository, idle_for=timedelta(days=3))
    upload_with_segments(repository, idle_for=timedelta(days=3))
    locked, release = threading.Event(), threading.Event()

    def other_worker_holds_claim() -> None:
        try:
            with transaction.atomic():
                list(BlobUpload.objects.select_for_update().filter(pk=claimed.pk))
                locked.set()
                release.wait(WAIT_SECONDS)
        finally:
            connections.close_all()

    other = threading.Thread(target=other_worker_holds_claim)
    other.start()
    try:
        assert locked.wait(WAIT_SECONDS)
        removed = uploads_stale_cleanup()
    finally:
        release.set()
        other.join(WAIT_SECONDS)

    assert removed == 1
    assert upload_pks() == [claimed.pk]
    assert segment_files(isolated_storage, claimed) == ["000000", "000001"]


def test_in_process_worker_runs_the_cleanup_hourly_by_itself(repository, settings, monkeypatch):
    [periodic] = [
        job for job in jobs.PERIODIC_JOBS if job.func == "registry.tasks.uploads_stale_cleanup_task"
    ]
    assert periodic.every == 3600
    monkeypatch.setattr(jobs, "PERIODIC_JOBS", (dataclasses.replace(periodic, first_after=0),))
    upload_with_segments(repository, idle_for=timedelta(days=3))
    settings.JOBS_IN_PROCESS = True

    jobs.in_process_worker_start()
    try:
        assert jobs.in_process_worker_wait_idle(timeout=WAIT_SECONDS)
    finally:
        assert jobs.in_process_worker_stop(timeout=WAIT_SECONDS)

    assert upload_pks() == []


def test_cleanup_command_without_redis_runs_the_cleanup_itself(repository, settings):
    settings.JOBS_IN_PROCESS = True
    upload_with_segments(repository, idle_for=timedelta(days=3))

    call_command("registry_cleanup")

    assert upload_pks() == []


def test_cleanup_command_with_redis_enqueues_every_periodic_job_on_its_queue(settings):
    settings.JOBS_IN_PROCESS = False
    names = sorted({job.queue for job in jobs.PERIODIC_JOBS})
    settings.RQ_QUEUES = {name: {"URL": REDIS_TEST_URL} for name in names}
    queues = {name: django_rq.get_queue(name) for name in names}
    before = {name: set(queue.job_ids) for name, queue in queues.items()}

    call_command("registry_cleanup")

    added = {
        name: [queue.fetch_job(job_id) for job_id in set(queue.job_ids) - before[name]]
        for name, queue in queues.items()
    }
    try:
        assert "registry.tasks.gc_due_task" in {job.func for job in jobs.PERIODIC_JOBS}
        for name in names:
            expected = sorted(job.func for job in jobs.PERIODIC_JOBS if job.queue == name)
            assert sorted(job.func_name for job in added[name]) == expected
    finally:
        for name, queue in queues.items():
            for job in added[name]:
                job.delete()
            if queue.count == 0:
                queue.delete()


def test_cleanup_age_follows_blobupload_deletion_date_threshold(repository, settings):
    settings.BLOBUPLOAD_DELETION_DATE_THRESHOLD = 1
    upload_with_segments(repository, idle_for=timedelta(hours=25))
    kept = upload_with_segments(repository, idle_for=timedelta(hours=23))

    uploads_stale_cleanup()

    assert upload_pks() == [kept.pk]


def multipart_started(driver: S3Storage, path: str) -> str:
    """A multipart upload with one part, as a server that crashed mid-write leaves it."""
    key = driver._key(path)
    upload_id = driver.client.create_multipart_upload(Bucket=driver.bucket, Key=key)["UploadId"]
    driver.client.upload_part(Bucket=driver.bucket, Key=key, UploadId=upload_id, PartNumber=1, Body=b"part")
    return upload_id


def multipart_ids(driver: S3Storage) -> list[str]:
    listed = driver.client.list_multipart_uploads(Bucket=driver.bucket, Prefix=driver._key(""))
    return sorted(upload["UploadId"] for upload in listed.get("Uploads", []))


def test_s3_abandoned_multipart_uploads_are_aborted_once_old_enough(s3_driver):
    abandoned = multipart_started(s3_driver, "uploads/0b0c0d0e-0000-4000-8000-000000000000/000000")
    with s3_driver.writer("sha256/ab/finished") as writer:
        writer.write(b"finished")
        writer.commit()

    # moto reports every multipart upload as begun in November 2010: 30 years is not old enough.
    assert s3_driver.partial_writes_abort(older_than=timedelta(days=30 * 365)) == 0
    assert multipart_ids(s3_driver) == [abandoned]

    assert s3_driver.partial_writes_abort(older_than=timedelta(days=2)) == 1
    assert multipart_ids(s3_driver) == []
    assert s3_driver.exists("sha256/ab/finished")


def test_stale_cleanup_aborts_multipart_uploads_in_every_s3_location(s3_server, settings):
    settings.STORAGE_CONFIG = {"s3": ["S3Storage", s3_server.driver_options()]}
    settings.STORAGE_PREFERENCE = ["s3"]
    storage_for.cache_clear()
    driver = storage_for("s3")
    multipart_started(driver, "uploads/0b0c0d0e-0000-4000-8000-000000000001/000000")

    uploads_stale_cleanup()

    assert multipart_ids(driver) == []


def test_local_files_a_crashed_writer_left_are_removed_once_old_enough(local_driver):
    writer = local_driver.writer("uploads/0b0c0d0e-0000-4000-8000-000000000002/000000")
    writer.write(b"half")
    writer.file.close()
    old = time.time() - 3 * 86400
    os.utime(writer.temporary, (old, old))
    fresh = local_driver.writer("uploads/0b0c0d0e-0000-4000-8000-000000000003/000000")
    fresh.write(b"still writing")

    assert local_driver.partial_writes_abort(older_than=timedelta(days=2)) == 1

    assert not writer.temporary.exists()
    assert fresh.temporary.exists()
    fresh.cancel()
