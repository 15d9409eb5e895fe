"""With Redis configured, a build request's dispatch goes to the ``builds`` queue once its
transaction commits and a real rq worker starts it (on Redis database 5, this suite's own)."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import django_rq
import pytest
from rq import Queue, SimpleWorker

from builds.models import RepositoryBuild
from builds.services import build_request_create
from tests.builds.test_manager import RecordingExecutor

REDIS_BUILDS_URL = "redis://127.0.0.1:6379/5"


@pytest.fixture
def builds_queue(settings) -> Iterator[Queue]:
    settings.JOBS_IN_PROCESS = False
    settings.REDIS_URL = REDIS_BUILDS_URL
    settings.RQ_QUEUES = {"builds": {"URL": REDIS_BUILDS_URL, "DEFAULT_TIMEOUT": 3720}}
    queue = django_rq.get_queue("builds")
    queue.empty()
    yield queue
    queue.empty()
    for key in queue.connection.scan_iter(match="rq:*builds*"):
        queue.connection.delete(key)


@pytest.mark.django_db(transaction=True)
def test_a_request_is_dispatched_by_an_rq_worker(alice, repository, context_drop, builds_queue, monkeypatch):
    executor = RecordingExecutor()
    monkeypatch.setattr("builds.manager.executor_configured", lambda: executor)
    monkeypatch.setattr("builds.manager.executor_for", lambda name: executor)
    build = build_request_create(
        repository=repository,
        actor=alice,
        source={"kind": "archive", "resource_key": str(context_drop.file_id)},
        registry_host="registry.test",
    )
    [job] = builds_queue.jobs
    assert job.timeout == 3720
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    worker = SimpleWorker([builds_queue], connection=builds_queue.connection)
    try:
        assert worker.work(burst=True)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        builds_queue.connection.delete(worker.key)
    build.refresh_from_db()
    assert build.phase == RepositoryBuild.Phase.BUILD_SCHEDULED
    assert [started.build_uuid for started in executor.started] == [str(build.uuid)]
