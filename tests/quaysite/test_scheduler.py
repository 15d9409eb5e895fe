"""Periodic jobs in Redis mode: any number of schedulers enqueue each job exactly once per period,
and when one dies the others go on (quaysite.scheduler, `manage.py scheduler`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import redis
from rq import Queue
from rq.job import Job

from quaysite.jobs import PeriodicJob
from quaysite.scheduler import Scheduler, periodic_job_claim

# This suite's own Redis database index; the tests clear only their own keys, except the process
# test, which owns the whole index for its run.
REDIS_SCHEDULER_URL = os.environ.get("QUAY_TEST_SCHEDULER_REDIS_URL", "redis://127.0.0.1:6379/9")
BASE_DIR = Path(__file__).resolve().parent.parent.parent
START_SECONDS = 60


def _enqueue_times(queue: Queue) -> list[datetime]:
    jobs = [Job.fetch(job_id, connection=queue.connection) for job_id in queue.job_ids]
    return sorted(job.enqueued_at for job in jobs if job.enqueued_at is not None)


def _gaps(times: list[datetime]) -> list[float]:
    return [(later - earlier).total_seconds() for earlier, later in zip(times, times[1:], strict=False)]


@pytest.fixture
def scheduler_queue(settings) -> Iterator[Queue]:
    name = f"test-scheduler-{uuid.uuid4().hex}"
    settings.RQ_QUEUES = {name: {"URL": REDIS_SCHEDULER_URL}}
    connection = redis.Redis.from_url(REDIS_SCHEDULER_URL)
    queue = Queue(name, connection=connection)
    yield queue
    queue.delete(delete_jobs=True)
    for key in connection.scan_iter(match=f"*{name}*"):
        connection.delete(key)


def test_two_schedulers_enqueue_each_job_once_per_period_and_one_goes_on_alone(scheduler_queue):
    period = 0.4
    job = PeriodicJob(
        func="registry.tasks.gc_due_task", queue=scheduler_queue.name, every=period, first_after=0
    )
    prefix = f"quay:test-schedule:{scheduler_queue.name}:"
    schedulers = [Scheduler([job], prefix=prefix), Scheduler([job], prefix=prefix)]
    threads = [threading.Thread(target=scheduler.run, daemon=True) for scheduler in schedulers]
    for thread in threads:
        thread.start()
    try:
        time.sleep(period * 5)
        both = len(_enqueue_times(scheduler_queue))
        # One scheduler lost: the other enqueues the next ones on time.
        schedulers[0].stopping.set()
        threads[0].join(5)
        time.sleep(period * 5)
    finally:
        for scheduler in schedulers:
            scheduler.stopping.set()
        for thread in threads:
            thread.join(5)
    times = _enqueue_times(scheduler_queue)
    assert 4 <= both <= 6
    assert 9 <= len(times) <= 11
    # A second enqueue within a period would show as a gap far below it.
    assert min(_gaps(times)) > period * 0.6
    assert max(_gaps(times)) < period * 2


def test_a_shortened_period_applies_at_once(scheduler_queue):
    prefix = f"quay:test-schedule:{scheduler_queue.name}:"
    hourly = PeriodicJob(
        func="registry.tasks.gc_due_task", queue=scheduler_queue.name, every=3600, first_after=3600
    )
    assert periodic_job_claim(job=hourly, prefix=prefix) > 3000
    quick = PeriodicJob(
        func="registry.tasks.gc_due_task", queue=scheduler_queue.name, every=0.2, first_after=0
    )
    assert periodic_job_claim(job=quick, prefix=prefix) < 0.21
    assert scheduler_queue.count == 0
    time.sleep(0.25)
    periodic_job_claim(job=quick, prefix=prefix)
    assert scheduler_queue.count == 1


def _scheduler_process(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(
            [sys.executable, "manage.py", "scheduler"], cwd=BASE_DIR, env=env, stdout=output, stderr=output
        )


def _wait_started(process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while b"scheduling" not in log.read_bytes():
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)


def test_two_scheduler_processes_enqueue_gc_once_per_period_and_survive_a_kill(tmp_path):
    connection = redis.Redis.from_url(REDIS_SCHEDULER_URL)
    connection.flushdb()
    env = {
        **os.environ,
        "REDIS_URL": REDIS_SCHEDULER_URL,
        "QUAY_GARBAGE_COLLECTION_FREQUENCY": "1",
        "QUAY_DATA_DIR": str(tmp_path / "data"),
        "QUAY_CONFIG": "",
    }
    logs = [tmp_path / "scheduler-a.log", tmp_path / "scheduler-b.log"]
    processes = [_scheduler_process(env, log) for log in logs]
    try:
        for process, log in zip(processes, logs, strict=True):
            _wait_started(process, log)
        queue = Queue("gc", connection=connection)
        time.sleep(4)
        before_kill = _enqueue_times(queue)
        processes[0].send_signal(signal.SIGKILL)
        processes[0].wait(10)
        time.sleep(4)
        times = _enqueue_times(queue)
        names = {Job.fetch(job_id, connection=connection).func_name for job_id in queue.job_ids}
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                process.wait(10)
        connection.flushdb()
    assert processes[1].returncode == 0, logs[1].read_text()
    assert names == {"registry.tasks.gc_due_task"}
    assert len(before_kill) >= 3
    # The survivor took over: the GC pass went on once a second.
    assert len(times) - len(before_kill) >= 3
    assert min(_gaps(times)) > 0.6
    assert max(_gaps(times)) < 2.5
