"""Reads of garbage collection's reports."""

from __future__ import annotations

from registry.models import GCRun


def gc_run_list(*, limit: int) -> list[GCRun]:
    """The latest runs, newest first."""
    return list(GCRun.objects.order_by("-started", "-pk")[:limit])
