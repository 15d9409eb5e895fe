"""Background jobs: the one way code hands work to a worker.

With ``REDIS_URL`` configured, jobs go to django_rq's queues and separate ``rq`` worker processes
(``manage.py rqworker default gc``) run them. Without Redis (the embedded default), the same
queues live on an in-process fakeredis server and an rq ``SimpleWorker`` on a daemon thread runs
them; in a server process that thread also runs the registry's periodic work (a shell, command
or test that merely enqueues a job gets the thread without it). With Redis, quaysite.scheduler
enqueues the periodic jobs for the rq workers, exactly once per period however many schedulers
run (`manage.py scheduler`, and a thread in each server process unless PERIODIC_JOBS_IN_SERVER
is off), so no cron is needed either way. A job is
enqueued only when the surrounding transaction commits, so it never sees rows that might still
roll back.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import django_rq
from django.conf import settings
from django.db import close_old_connections, connections, transaction
from fakeredis import FakeRedis, FakeServer
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from rq import Queue, SimpleWorker, Worker
from rq.job import Job, JobStatus
from rq.timeouts import TimerDeathPenalty

from quaysite.metrics import JOB_SECONDS
from quaysite.scheduler import Scheduler

logger = logging.getLogger(__name__)

QUEUE_NAMES = ("default", "gc", "builds")


@dataclass(frozen=True)
class PeriodicJob:
    """A job the server enqueues itself every ``every`` seconds, first ``first_after`` seconds
    after it starts."""

    func: str
    queue: str
    every: float
    first_after: float


# The jobs re-derive their work from the database on every run, because the in-process queue
# lives in memory and dies with it. The hourly ones first wait a few minutes so they do not
# compete with start-up. GC: the pass over repositories due (changed, or whose time machine or
# push grace just ran out) every GARBAGE_COLLECTION_FREQUENCY seconds; unreferenced blobs a
# pass did not unlink itself (a deleted repository's) hourly; and daily a full run over every
# repository, for whatever changed rows without the services that mark repositories due.
PERIODIC_JOBS = (
    PeriodicJob(func="registry.tasks.uploads_stale_cleanup_task", queue="gc", every=3600, first_after=300),
    PeriodicJob(func="orgs.tasks.login_failures_expire_task", queue="gc", every=3600, first_after=600),
    PeriodicJob(
        func="registry.tasks.gc_due_task",
        queue="gc",
        every=settings.GARBAGE_COLLECTION_FREQUENCY,
        first_after=settings.GARBAGE_COLLECTION_FREQUENCY,
    ),
    PeriodicJob(func="registry.tasks.gc_blobs_task", queue="gc", every=3600, first_after=900),
    # Auto-prune: the workers claim due namespaces themselves, so a run with nothing due costs one query.
    PeriodicJob(
        func="pruning.tasks.autoprune_task",
        queue="default",
        every=settings.AUTO_PRUNING_POLL_PERIOD,
        first_after=settings.AUTO_PRUNING_POLL_PERIOD,
    ),
    # Mirroring: the same, over mirrors whose next run has passed (mirroring.worker).
    PeriodicJob(
        func="mirroring.tasks.mirror_task",
        queue="default",
        every=settings.REPO_MIRROR_INTERVAL,
        first_after=settings.REPO_MIRROR_INTERVAL,
    ),
    # Geo-replication: copies due in the durable queue (registry.services.replication), claimed
    # with SKIP LOCKED; a push also enqueues a run at once, this catches retries and restarts.
    PeriodicJob(
        func="registry.tasks.replication_run_task",
        queue="default",
        every=settings.REPLICATION_POLL_PERIOD,
        first_after=settings.REPLICATION_POLL_PERIOD,
    ),
    # Notification retries: the workers claim due deliveries themselves (SKIP LOCKED), so a run
    # with nothing due costs one indexed query.
    PeriodicJob(
        func="notifications.tasks.deliveries_due_task",
        queue="default",
        every=settings.NOTIFICATION_POLL_PERIOD,
        first_after=settings.NOTIFICATION_POLL_PERIOD,
    ),
    # Tags coming within a repo_image_expiry notification's days: one query with no such
    # notification, two with nothing near expiry.
    PeriodicJob(
        func="notifications.image_expiry.image_expiry_notify", queue="default", every=600, first_after=120
    ),
    # Builds: expires the overdue, restarts those whose executor went silent; one indexed query
    # over builds not ended.
    PeriodicJob(func="builds.tasks.builds_watch_task", queue="default", every=30, first_after=30),
    PeriodicJob(func="registry.tasks.gc_run_task", queue="gc", every=86400, first_after=3600),
    # Sizes namespaces not sized yet; once all are, an anti-join and an indexed claim a minute.
    PeriodicJob(func="quota.tasks.quota_backfill_task", queue="default", every=60, first_after=10),
)


def enqueue(func: Callable[..., object], *args: object, queue: str = "default", **kwargs: object) -> None:
    """Runs ``func(*args, **kwargs)`` on a worker once the current transaction commits.

    Pass ids, not model instances: the job reads its rows again when it runs.
    """
    if settings.JOBS_IN_PROCESS:
        if queue not in QUEUE_NAMES:
            raise ValueError(f"unknown job queue {queue!r}; known: {', '.join(QUEUE_NAMES)}")
        transaction.on_commit(lambda: _in_process_runner().push(queue, func, args, kwargs))
    else:
        if queue not in settings.RQ_QUEUES:
            raise ValueError(f"unknown job queue {queue!r}; known: {', '.join(settings.RQ_QUEUES)}")
        transaction.on_commit(lambda: _redis_push(queue, func, args, kwargs))


def _redis_push(queue: str, func: Callable[..., object], args: tuple, kwargs: dict) -> None:
    # commit_mode "auto": enqueue() already waited for the commit.
    django_rq.get_queue(queue, commit_mode="auto").enqueue_call(func, args=args, kwargs=kwargs)


class _ThreadWorker(SimpleWorker):
    """A SimpleWorker that can live on a thread other than the main one."""

    # The default death penalty arms SIGALRM, which only the main thread may handle.
    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:
        # signal.signal() raises outside the main thread; the server process owns its signals.
        pass

    def subscribe(self) -> None:
        # The pub/sub channel carries `rq` CLI commands, which cannot reach an in-memory server.
        pass

    def unsubscribe(self) -> None:
        pass

    def procline(self, message: str) -> None:
        # rq would retitle the whole server process.
        pass

    def execute_job(self, job: Job, queue: Queue) -> None:
        # As Django does around a request: drop connections that broke or outlived their age.
        close_old_connections()
        try:
            _execute_timed(super().execute_job, job, queue)
        finally:
            close_old_connections()


def _execute_timed(execute: Callable[[Job, Queue], None], job: Job, queue: Queue) -> None:
    started = time.perf_counter()
    try:
        execute(job, queue)
    finally:
        status = job.get_status(refresh=True)
        outcome = "finished" if status == JobStatus.FINISHED else "failed"
        JOB_SECONDS.labels(job.func_name, outcome).observe(time.perf_counter() - started)


class MeteredWorker(Worker):
    """rq's forking worker (`manage.py rqworker`), timing each job from its parent process, which
    lives as long as the worker (a metrics file per job's child would pile up)."""

    def execute_job(self, job: Job, queue: Queue) -> None:
        _execute_timed(super().execute_job, job, queue)


class JobQueueCollector(Collector):
    """Each queue's waiting and failed jobs, read at scrape time."""

    def collect(self) -> Iterator[Metric]:
        waiting = GaugeMetricFamily("quay_job_queue_depth", "Jobs waiting in each queue.", labels=["queue"])
        failed = GaugeMetricFamily(
            "quay_job_queue_failed", "Failed jobs kept by each queue.", labels=["queue"]
        )
        for name, queue in _queues().items():
            waiting.add_metric([name], queue.count)
            failed.add_metric([name], queue.failed_job_registry.count)
        yield waiting
        yield failed


def _queues() -> dict[str, Queue]:
    if settings.JOBS_IN_PROCESS:
        runner = _runner
        return dict(runner.queues) if runner is not None and runner.pid == os.getpid() else {}
    return {name: django_rq.get_queue(name) for name in settings.RQ_QUEUES}


class _InProcessRunner:
    """One fakeredis server, its queues, and the daemon thread that works them."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.connection = FakeRedis(server=FakeServer())
        self.queues = {
            name: Queue(name, connection=self.connection, death_penalty_class=TimerDeathPenalty)
            for name in QUEUE_NAMES
        }
        self.worker = _ThreadWorker(
            list(self.queues.values()), connection=self.connection, name=f"in-process-{self.pid}"
        )
        # Empty until a server asks for them (in_process_worker_start).
        self.periodic: tuple[PeriodicJob, ...] = ()
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.idle = threading.Event()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, name="rq-in-process", daemon=True)

    def push(self, queue: str, func: Callable[..., object] | str, args: tuple, kwargs: dict) -> None:
        # Under the lock, so the worker cannot report idle between this push and its wake-up.
        with self.lock:
            # rq takes a function or its dotted path; its TypeVar, constrained to one of the two,
            # refuses the union.
            self.queues[queue].enqueue_call(func, args=args, kwargs=kwargs)  # type: ignore[type-var]
            self.idle.clear()
            self.wake.set()

    def periodic_start(self) -> None:
        with self.lock:
            self.periodic = PERIODIC_JOBS
            # Not idle until the loop has looked at them (a first_after of 0 runs one now).
            self.idle.clear()
            self.wake.set()

    def run(self) -> None:
        due: dict[PeriodicJob, float] = {}
        while not self.stopping.is_set():
            now = time.monotonic()
            for job in self.periodic:
                due.setdefault(job, now + job.first_after)
                if now >= due[job]:
                    self.push(job.queue, job.func, (), {})
                    due[job] = now + job.every
            self.wake.clear()
            self._work_until_empty()
            with self.lock:
                if not self.wake.is_set():
                    self.idle.set()
            next_due = min(due.values(), default=now + 3600)
            self.wake.wait(timeout=max(0.0, next_due - time.monotonic()))

    def _work_until_empty(self) -> None:
        try:
            self.worker.work(burst=True)
        except Exception:
            # A failing job is rq's to record; this is rq itself failing. Keep the thread alive.
            logger.exception("the in-process job worker failed; retrying on the next wake-up")
            self.stopping.wait(1)
        finally:
            # Idle workers hold no database connections (this thread's only).
            connections.close_all()


_scheduler: Scheduler | None = None
_scheduler_thread: threading.Thread | None = None


def periodic_scheduler_start() -> None:
    """Starts a periodic scheduler for the rq workers on a thread of this process (Redis configured)."""
    global _scheduler, _scheduler_thread
    with _runner_lock:
        if _scheduler is None or _scheduler.pid != os.getpid():
            _scheduler = Scheduler(PERIODIC_JOBS)
            _scheduler_thread = threading.Thread(target=_scheduler.run, name="rq-periodic", daemon=True)
            _scheduler_thread.start()


def periodic_scheduler_stop(timeout: float) -> bool:
    global _scheduler, _scheduler_thread
    with _runner_lock:
        scheduler, _scheduler = _scheduler, None
        thread, _scheduler_thread = _scheduler_thread, None
    if scheduler is None or thread is None or scheduler.pid != os.getpid():
        return True
    scheduler.stopping.set()
    thread.join(timeout)
    return not thread.is_alive()


_runner: _InProcessRunner | None = None
_runner_lock = threading.Lock()


def _in_process_runner() -> _InProcessRunner:
    global _runner
    with _runner_lock:
        # A forked child inherits the object but not the thread: it needs its own.
        if _runner is None or _runner.pid != os.getpid():
            _runner = _InProcessRunner()
            _runner.thread.start()
        return _runner


def in_process_worker_start() -> None:
    """Starts this process's job thread now, with the periodic jobs (an embedded-mode server)."""
    _in_process_runner().periodic_start()


def in_process_worker_wait_idle(timeout: float) -> bool:
    """Waits until the in-process worker has run every job enqueued so far; False on timeout."""
    runner = _runner
    if runner is None or runner.pid != os.getpid():
        return True
    return runner.idle.wait(timeout)


def in_process_worker_stop(timeout: float) -> bool:
    """Stops the job thread after the jobs already queued; False if it did not end in time."""
    global _runner
    with _runner_lock:
        runner, _runner = _runner, None
    if runner is None or runner.pid != os.getpid():
        return True
    runner.stopping.set()
    runner.wake.set()
    runner.thread.join(timeout)
    return not runner.thread.is_alive()
