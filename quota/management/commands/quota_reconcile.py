"""Recomputes every namespace's stored sizes from scratch, corrects them and prints the drift."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from orgs.models import Namespace
from quota.accounting import sizes_reconcile


class Command(BaseCommand):
    help = "Recompute every namespace's and repository's size from scratch; print the drift corrected."

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        for namespace_id, name in Namespace.objects.order_by("pk").values_list("pk", "name"):
            drift = sizes_reconcile(namespace_id=namespace_id)
            if drift:
                self.stdout.write(f"{name}: {drift} bytes of drift corrected")
            total += drift
        self.stdout.write(f"drift: {total} bytes")
