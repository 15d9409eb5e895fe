"""Sizes the namespaces not sized yet (content pushed before quota accounting), one at a time."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from quota.backfill import quota_backfill
from quota.models import NamespaceSize


class Command(BaseCommand):
    help = "Size every namespace not sized yet from scratch, one per transaction; print each one sized."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=None, help="stop after this many namespaces")
        parser.add_argument("--seconds", type=float, default=None, help="stop after this long")

    def handle(self, *args: Any, **options: Any) -> None:
        seconds = options["seconds"]
        deadline = None if seconds is None else time.monotonic() + seconds
        sized = quota_backfill(limit=options["limit"], deadline=deadline)
        totals = dict(
            NamespaceSize.objects.filter(namespace__in=sized).values_list("namespace_id", "total_bytes")
        )
        for namespace in sized:
            self.stdout.write(f"{namespace.name}: {totals[namespace.pk]} bytes")
        self.stdout.write(f"sized: {len(sized)} namespaces")
