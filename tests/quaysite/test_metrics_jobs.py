"""Job durations and queue depths for /metrics: timed in-process and on rq's forking worker."""

from __future__ import annotations

import signal
import uuid
from collections.abc import Iterator

import django_rq
import pytest
from django.contrib.auth.models import Group
from prometheus_client import REGISTRY
from rq import Queue

from quaysite import jobs

REDIS_METRICS_URL = "redis://127.0.0.1:6379/9"
WAIT_SECONDS = 10


def group_create(name: str) -> None:
    Group.objects.create(name=name)


def line_append(path: str, line: str) -> None:
    with open(path, "a") as file:
        file.write(line + "\n")


def job_fail() -> None:
    raise RuntimeError("this job fails")


def _count(func: str, outcome: str) -> float:
    labels = {"func": f"{__name__}.{func}", "outcome": outcome}
    return REGISTRY.get_sample_value("quay_job_duration_seconds_count", labels) or 0.0


def _depths() -> dict[str, float]:
    return {
        sample.labels["queue"]: sample.value
        for family in jobs.JobQueueCollector().collect()
        if family.name == "quay_job_queue_depth"
        for sample in family.samples
    }


@pytest.fixture
def in_process_jobs(settings) -> Iterator[None]:
    settings.JOBS_IN_PROCESS = True
    yield
    assert jobs.in_process_worker_stop(timeout=WAIT_SECONDS)


@pytest.mark.django_db(transaction=True)
def test_in_process_jobs_are_timed_by_outcome(in_process_jobs):
    finished, failed = _count("group_create", "finished"), _count("job_fail", "failed")
    jobs.enqueue(group_create, "timed")
    jobs.enqueue(job_fail)
    assert jobs.in_process_worker_wait_idle(timeout=WAIT_SECONDS)
    assert _count("group_create", "finished") == finished + 1
    assert _count("job_fail", "failed") == failed + 1
    assert _depths() == dict.fromkeys(jobs.QUEUE_NAMES, 0)


@pytest.fixture
def redis_queue(settings) -> Iterator[Queue]:
    name = f"test-metrics-{uuid.uuid4().hex}"
    settings.JOBS_IN_PROCESS = False
    settings.RQ_QUEUES = {name: {"URL": REDIS_METRICS_URL}}
    queue = django_rq.get_queue(name)
    yield queue
    for key in queue.connection.scan_iter(match=f"*{name}*"):
        queue.connection.delete(key)


def test_the_forking_rq_worker_times_its_jobs_and_the_depth_shows_waiting_ones(redis_queue, tmp_path):
    # The jobs leave a file, not rows: the forked child shares no test database with SQLite's.
    out = tmp_path / "ran"
    redis_queue.enqueue_call(f"{__name__}.line_append", args=(str(out), "forked"))
    redis_queue.enqueue_call(f"{__name__}.line_append", args=(str(out), "forked-too"))
    assert _depths() == {redis_queue.name: 2}
    before = _count("line_append", "finished")
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    worker = django_rq.get_worker(redis_queue.name)
    assert isinstance(worker, jobs.MeteredWorker)
    try:
        worker.work(burst=True)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert _count("line_append", "finished") == before + 2
    assert _depths() == {redis_queue.name: 0}
    assert out.read_text().split() == ["forked", "forked-too"]
