"""Hands every periodic cleanup to the job workers at once, by hand.

The servers schedule them themselves (quaysite.jobs.PERIODIC_JOBS): without Redis their own
worker thread runs them, with Redis the schedulers (quaysite.scheduler) enqueue them for the rq workers.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from quaysite.jobs import PERIODIC_JOBS, enqueue


class Command(BaseCommand):
    help = "Enqueue the periodic cleanups (run them here when no Redis is configured)."

    def handle(self, *args: object, **options: object) -> None:
        for periodic in PERIODIC_JOBS:
            task = import_string(periodic.func)
            if settings.JOBS_IN_PROCESS:
                # No worker process to hand it to; a thread here would die with this command.
                self.stdout.write(f"{periodic.func}: {task()}")
            else:
                enqueue(task, queue=periodic.queue)
                self.stdout.write(f"{periodic.func}: enqueued on the {periodic.queue!r} queue")
