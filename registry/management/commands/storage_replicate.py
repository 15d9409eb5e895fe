"""Re-queues every copy a blob still lacks: the repair after an outage or a config change.

``--missing`` walks every blob, in id order and in batches, and queues a replication for each
required location (registry.selectors.placement) it is neither placed in nor already queued
for; the replication workers then copy them.
"""

from __future__ import annotations

from argparse import ArgumentParser

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from registry.selectors.blobs import blob_id_batches, blob_total
from registry.services.replication import replication_queue_missing

BATCH = 1000


class Command(BaseCommand):
    help = "Queue the replication of every blob short of its required storage locations."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--missing", action="store_true", help="queue every copy a blob lacks (the only mode)"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: object, **options: object) -> None:
        if not options["missing"]:
            raise CommandError("say what to queue: --missing (every copy a blob still lacks)")
        queued = 0
        columns = (TextColumn("blobs"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, disable=bool(options["no_progress"])) as progress:
            bar = progress.add_task("blobs", total=blob_total())
            for blob_ids in blob_id_batches(size=BATCH):
                # Left to the servers' periodic run: a run on this process's job thread would
                # die with the command, its claims held until their lease ends.
                queued += replication_queue_missing(blob_ids=blob_ids, run_now=False)
                progress.advance(bar, len(blob_ids))
        self.stdout.write(
            f"queued {queued} cop{'y' if queued == 1 else 'ies'}; the replication job copies them "
            f"within REPLICATION_POLL_PERIOD ({settings.REPLICATION_POLL_PERIOD} s)"
        )
