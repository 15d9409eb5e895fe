"""The repository row lock: what serializes a repository's writes against each other and
against garbage collection.

Every manifest PUT and delete, every tag write, a repository's purge and each GC step take it,
in that transaction, before reading what they change; pulls never take it. A writer takes it
first, before any namespace-wide row (a quota's), so locks are always taken in one order.
"""

from __future__ import annotations

from registry.models import Repository


def repository_lock(*, repository_id: int, skip_locked: bool = False) -> Repository | None:
    """Locks the row to the end of the transaction and returns it with its namespace; None when
    the repository is gone, or (``skip_locked``, GC's way) when another transaction holds it.
    SQLite ignores row locks: its write transactions already run one at a time."""
    rows = Repository.objects.filter(pk=repository_id).select_related("namespace")
    return rows.select_for_update(skip_locked=skip_locked, of=("self",)).first()
