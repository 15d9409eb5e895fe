"""When a tag row is live, said once for the ORM and once for the hand-written SQL of the pull
path, from one definition: while its end is unset or still ahead (an expiring tag)."""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.db.models import Q


def tag_active_q(now: datetime, prefix: str = "") -> Q:
    """For querysets; ``prefix`` reaches the row through a relation (``"tags__"``)."""
    return Q(**{f"{prefix}end__isnull": True}) | Q(**{f"{prefix}end__gt": now})


def tag_active_sql(alias: str) -> str:
    """The same condition for raw SQL over the tag table as ``alias``: one ``%s``, the moment."""
    end = f"{alias}.{connection.ops.quote_name('end')}"
    return f"({end} IS NULL OR {end} > %s)"
