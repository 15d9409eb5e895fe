"""Reads of the replication queue: the backlog per target location, for superusers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, Min, Q, Sum

from registry.models import BlobReplication


@dataclass(frozen=True)
class LocationBacklog:
    location: str
    pending: int
    failing: int
    bytes: int
    oldest: datetime | None


def replication_backlog() -> list[LocationBacklog]:
    """One entry per configured location, in configuration order, zeros where nothing waits."""
    rows = {
        row["location"]: row
        for row in BlobReplication.objects.values("location").annotate(
            pending=Count("pk"),
            failing=Count("pk", filter=~Q(last_error="")),
            total=Sum("blob__size"),
            oldest=Min("created"),
        )
    }
    empty: dict[str, Any] = {"pending": 0, "failing": 0, "total": 0, "oldest": None}
    return [
        LocationBacklog(
            location=location,
            pending=(row := rows.get(location, empty))["pending"],
            failing=row["failing"],
            bytes=row["total"] or 0,
            oldest=row["oldest"],
        )
        for location in settings.STORAGE_CONFIG
    ]
