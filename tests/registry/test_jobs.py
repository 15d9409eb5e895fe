"""quaysite.jobs: a job runs after its transaction commits, in-process or on an rq worker over Redis."""

from __future__ import annotations

import signal
import time
import uuid
from collections.abc import Iterator

import django_rq
import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from rq import Queue, SimpleWorker
from rq.job import Job

from quaysite import jobs

WAIT_SECONDS = 10
# A database index of its own on the shared server; tests touch only their own queue's keys.
REDIS_TEST_URL = "redis://127.0.0.1:6379/15"


def group_create(name: str) -> None:
    Group.objects.create(name=name)


def group_copy(source: str, copy: str) -> None:
    if Group.objects.filter(name=source).exists():
        Group.objects.create(name=copy)


def group_names() -> list[str]:
    return sorted(Group.objects.values_list("name", flat=True))


@pytest.fixture
def in_process_jobs(settings) -> Iterator[None]:
    settings.JOBS_IN_PROCESS = True
    yield
    assert jobs.in_process_worker_stop(timeout=WAIT_SECONDS)


def _redis_queue_forget(queue: Queue) -> None:
    job_ids = set(queue.job_ids)
    for registry in (queue.finished_job_registry, queue.failed_job_registry, queue.started_job_registry):
        job_ids.update(registry.get_job_ids())
    for job_id in job_ids:
        Job(job_id, connection=queue.connection).delete()
    queue.delete(delete_jobs=True)
    for key in queue.connection.scan_iter(match=f"*{queue.name}*"):
        queue.connection.delete(key)


@pytest.fixture
def redis_queue(settings) -> Iterator[Queue]:
    # A queue name of its own, so parallel test runs on the same server never take each other's jobs.
    name = f"test-jobs-{uuid.uuid4().hex}"
    settings.JOBS_IN_PROCESS = False
    settings.REDIS_URL = REDIS_TEST_URL
    settings.RQ_QUEUES = {name: {"URL": REDIS_TEST_URL}}
    queue = django_rq.get_queue(name)
    yield queue
    _redis_queue_forget(queue)


def burst_work(queue: Queue) -> bool:
    """Runs a real rq SimpleWorker until the queue is empty, keeping pytest's signal handlers."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    worker = SimpleWorker([queue], connection=queue.connection)
    try:
        return worker.work(burst=True)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        queue.connection.delete(worker.key)


@pytest.mark.django_db(transaction=True)
def test_in_process_worker_runs_an_enqueued_job(in_process_jobs):
    jobs.enqueue(group_create, "ran")

    assert jobs.in_process_worker_wait_idle(timeout=WAIT_SECONDS)
    assert group_names() == ["ran"]


@pytest.mark.django_db(transaction=True)
def test_job_enqueued_in_a_transaction_sees_the_rows_committed_with_it(in_process_jobs):
    with transaction.atomic():
        Group.objects.create(name="source")
        jobs.enqueue(group_copy, "source", "copy")

    assert jobs.in_process_worker_wait_idle(timeout=WAIT_SECONDS)
    assert group_names() == ["copy", "source"]


@pytest.mark.django_db(transaction=True)
def test_job_enqueued_in_a_rolled_back_transaction_never_runs(in_process_jobs):
    with pytest.raises(RuntimeError), transaction.atomic():
        jobs.enqueue(group_create, "rolled-back")
        raise RuntimeError("roll back")
    # A later job proves the worker has drained everything that was ever queued.
    jobs.enqueue(group_create, "after")

    assert jobs.in_process_worker_wait_idle(timeout=WAIT_SECONDS)
    assert group_names() == ["after"]


@pytest.mark.django_db(transaction=True)
def test_in_process_job_on_the_gc_queue_runs_too(in_process_jobs):
    jobs.enqueue(group_create, "collected", queue="gc")

    assert jobs.in_process_worker_wait_idle(timeout=WAIT_SECONDS)
    assert group_names() == ["collected"]


@pytest.mark.django_db(transaction=True)
def test_only_a_server_starting_the_worker_runs_the_periodic_jobs(in_process_jobs, monkeypatch):
    # A shell, command or test that enqueues a job must not also start the server's periodic
    # work (mirror syncs, GC) on the database it shares with whatever else runs.
    periodic = jobs.PeriodicJob(
        func=f"{__name__}.periodic_group_create", queue="default", every=3600, first_after=0
    )
    monkeypatch.setattr(jobs, "PERIODIC_JOBS", (periodic,))
    jobs.enqueue(group_create, "enqueued")
    assert jobs.in_process_worker_wait_idle(timeout=WAIT_SECONDS)
    assert group_names() == ["enqueued"]

    jobs.in_process_worker_start()
    deadline = time.monotonic() + WAIT_SECONDS
    while "periodic" not in group_names() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert group_names() == ["enqueued", "periodic"]


def periodic_group_create() -> None:
    group_create("periodic")


def test_enqueue_to_an_unknown_queue_is_refused(in_process_jobs):
    with pytest.raises(ValueError, match="unknown job queue"):
        jobs.enqueue(group_create, "never", queue="no-such-queue")


@pytest.mark.django_db(transaction=True)
def test_redis_job_runs_on_an_rq_worker(redis_queue):
    jobs.enqueue(group_create, "via-redis", queue=redis_queue.name)

    assert redis_queue.count == 1
    assert burst_work(redis_queue)
    assert group_names() == ["via-redis"]


@pytest.mark.django_db(transaction=True)
def test_redis_enqueue_waits_for_the_transaction_to_commit(redis_queue):
    with transaction.atomic():
        jobs.enqueue(group_create, "committed", queue=redis_queue.name)
        assert redis_queue.count == 0

    assert redis_queue.count == 1


@pytest.mark.django_db(transaction=True)
def test_redis_enqueue_in_a_rolled_back_transaction_queues_nothing(redis_queue):
    with pytest.raises(RuntimeError), transaction.atomic():
        jobs.enqueue(group_create, "rolled-back", queue=redis_queue.name)
        raise RuntimeError("roll back")

    assert redis_queue.count == 0
