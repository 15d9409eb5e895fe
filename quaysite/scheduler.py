"""With Redis: enqueues the periodic jobs (quaysite.jobs.PERIODIC_JOBS) for the rq workers.

Each job's next due time lives in Redis, in Redis's own clock, so any number of schedulers on
any number of hosts share one schedule: when a job falls due, each of them tries to move its due
time on and enqueue it in one MULTI transaction WATCHing that key, and only the first commits.
A scheduler that dies leaves nothing half done (a transaction not executed changes nothing), and
the others enqueue the job when it next falls due: there is no leader to lose. `manage.py
scheduler` runs one; a server process runs one on a thread unless PERIODIC_JOBS_IN_SERVER is off.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

import django_rq
from redis import Redis, WatchError

if TYPE_CHECKING:
    from quaysite.jobs import PeriodicJob

logger = logging.getLogger(__name__)

SCHEDULE_KEY_PREFIX = "quay:schedule:"
# How long a scheduler sleeps at most: it notices a shortened period or a new job this soon.
LONGEST_SLEEP = 5.0


def _redis_now(connection: Redis) -> float:
    seconds, microseconds = connection.time()
    return seconds + microseconds / 1_000_000


def periodic_job_claim(*, job: PeriodicJob, prefix: str = SCHEDULE_KEY_PREFIX) -> float:
    """Enqueues ``job`` if it is due and no other scheduler enqueued it first; returns the seconds
    until it is next due."""
    connection = django_rq.get_connection(job.queue)
    queue = django_rq.get_queue(job.queue, commit_mode="auto")
    key = prefix + job.func
    with connection.pipeline() as pipe:
        try:
            pipe.watch(key)
            now = _redis_now(pipe)
            stored = pipe.get(key)
            due = float(stored) if stored is not None else now + job.first_after
            # A period shortened in the configuration takes effect at once.
            due = min(due, now + job.every)
            pipe.multi()
            if now < due:
                pipe.set(key, repr(due))
                pipe.execute()
                return due - now
            # Keeps to the grid when this wake-up is a little late; a long outage does not make
            # up the missed periods in a burst.
            upcoming = due + job.every if due + job.every > now else now + job.every
            pipe.set(key, repr(upcoming))
            queue.enqueue_call(job.func, pipeline=pipe)
            pipe.execute()
            logger.debug("enqueued the periodic job %s", job.func)
            return upcoming - now
        except WatchError:
            # Another scheduler moved this job's due time first (and enqueued it if it was due).
            return 0.0


class Scheduler:
    """One scheduler: a loop over the periodic jobs until ``stopping`` is set."""

    def __init__(self, periodic: Sequence[PeriodicJob], prefix: str = SCHEDULE_KEY_PREFIX) -> None:
        self.pid = os.getpid()
        self.periodic = tuple(periodic)
        self.prefix = prefix
        self.stopping = threading.Event()

    def step(self) -> float:
        """Enqueues what is due; returns how long to sleep."""
        sleep = LONGEST_SLEEP
        for job in self.periodic:
            try:
                sleep = min(sleep, periodic_job_claim(job=job, prefix=self.prefix))
            except Exception:
                # Redis away: the next step tries again; a server must go on serving meanwhile.
                logger.exception("could not schedule the periodic job %s", job.func)
                sleep = min(sleep, 1.0)
        return sleep

    def run(self) -> None:
        while not self.stopping.is_set():
            self.stopping.wait(timeout=max(0.01, self.step()))
