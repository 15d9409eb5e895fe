"""Enqueues the periodic jobs for the rq workers until stopped (Redis configured).

Run one or several (on several hosts for availability): between them every periodic job is
enqueued exactly once per period, and when one stops the others go on (quaysite.scheduler).
"""

from __future__ import annotations

import signal
from types import FrameType

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from quaysite.jobs import PERIODIC_JOBS
from quaysite.scheduler import Scheduler


class Command(BaseCommand):
    help = "Enqueue the periodic jobs for the rq workers, once per period across all schedulers."

    def handle(self, *args: object, **options: object) -> None:
        if settings.JOBS_IN_PROCESS:
            raise CommandError("no REDIS_URL configured: the server's own job thread runs the periodic jobs")
        scheduler = Scheduler(PERIODIC_JOBS)

        def stop(signum: int, frame: FrameType | None) -> None:
            scheduler.stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        names = ", ".join(f"{job.func} every {job.every:g}s" for job in PERIODIC_JOBS)
        self.stdout.write(f"scheduling {len(PERIODIC_JOBS)} periodic jobs: {names}", ending="\n")
        self.stdout.flush()
        scheduler.run()
