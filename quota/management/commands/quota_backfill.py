"""Sizes the namespaces not sized yet (content pushed before quota accounting), one at a time."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from quota.backfill import quota_backfill_step
from quota.models import NamespaceSize


class Command(BaseCommand):
    help = "Size every namespace not sized yet from scratch, one per transaction; print each one sized."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=None, help="stop after this many namespaces")
        parser.add_argument("--seconds", type=float, default=None, help="stop after this long")

    def handle(self, *args: Any, **options: Any) -> None:
        limit, seconds = options["limit"], options["seconds"]
        deadline = None if seconds is None else time.monotonic() + seconds
        count = 0
        while limit is None or count < limit:
            if deadline is not None and time.monotonic() >= deadline:
                break
            namespace = quota_backfill_step()
            if namespace is None:
                break
            size = NamespaceSize.objects.get(namespace=namespace).total_bytes
            self.stdout.write(f"{namespace.name}: {size} bytes")
            count += 1
        self.stdout.write(f"sized: {count} namespaces")
