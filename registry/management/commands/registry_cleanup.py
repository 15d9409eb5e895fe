"""Hands the stale upload cleanup to the job workers, for cron or a Kubernetes CronJob to call."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from quaysite.jobs import enqueue
from registry.tasks import uploads_stale_cleanup_task


class Command(BaseCommand):
    help = "Enqueue the cleanup of abandoned blob uploads (runs it here when no Redis is configured)."

    def handle(self, *args: object, **options: object) -> None:
        if settings.JOBS_IN_PROCESS:
            # No Redis, so no worker process to hand it to; a thread here would die with us.
            removed = uploads_stale_cleanup_task()
            self.stdout.write(f"Removed {removed} stale upload(s).")
            return
        enqueue(uploads_stale_cleanup_task, queue="gc")
        self.stdout.write("Enqueued the stale upload cleanup on the 'gc' queue.")
