"""The backfill: sizes from scratch the namespaces whose content predates the accounting, one
namespace per transaction, so that upgrading a large registry never waits for it.

A namespace is unsized while its NamespaceSize row has ``sized_at`` None: migration 0004 leaves
one for every namespace that existed then, and a row the accounting hooks make later is sized
(all its content passed through them). The accounting hooks
go on adding their deltas to an unsized row; sizing overwrites the totals with a recomputation
(``quota.accounting.sizes_recompute``) and sets ``sized_at`` in the transaction that holds the
row's lock, so each change is either committed before it and recomputed, or waiting for the
lock and added after it. Several workers share the work: each claims one unsized row with
``SELECT ... FOR UPDATE SKIP LOCKED`` and so sizes a namespace no other worker holds. SQLite
takes no row locks; its write transactions already run one at a time.

Why it cannot deadlock. Pushes, deletes and GC take a repository row, then the namespace size
row, then write RepositorySize rows; every writer of RepositorySize rows in ``quota.accounting``
holds the namespace size row first. The backfill takes the namespace size row, then that
namespace's RepositorySize rows, and never waits for a repository row:

- Inserting a RepositorySize row checks its foreign key, a ``FOR KEY SHARE`` lock on the
  repository row that a pusher's ``FOR UPDATE`` blocks, and that pusher would wait for the
  namespace row held here. So the repositories without a RepositorySize row are locked
  ``FOR KEY SHARE ... SKIP LOCKED`` before their rows are inserted.
- A repository's deletion deletes its RepositorySize row (Django's cascade) without the
  namespace row when it has no manifests, so the RepositorySize rows are locked with
  ``SKIP LOCKED`` too.

If either skips a repository that holds bytes, the namespace is busy this instant: its
transaction rolls back, untouched, and the step tries the next one; a later run sizes it. Every
lock the backfill takes is taken with SKIP LOCKED, so it never waits for one and cannot be part
of a deadlock; the one wait left is for the missing NamespaceSize rows' insertion, which holds
no other lock.
"""

from __future__ import annotations

import time

from django.db import connection, transaction
from django.utils import timezone

from orgs.models import Namespace
from quota.accounting import sizes_recompute
from quota.models import NamespaceSize, RepositorySize

# Namespaces found busy before a step gives up until the next run.
BUSY_TRIES = 8

_NAMESPACE_SIZES_MISSING_INSERT = """
    INSERT INTO quota_namespacesize (namespace_id, total_bytes)
    SELECT n.id, 0 FROM orgs_namespace n
    WHERE NOT EXISTS (SELECT 1 FROM quota_namespacesize s WHERE s.namespace_id = n.id)
    {lock}
    ON CONFLICT DO NOTHING
"""
_REPOSITORIES_WITHOUT_SIZE = """
    SELECT r.id FROM registry_repository r
    WHERE r.namespace_id = %s
    AND NOT EXISTS (SELECT 1 FROM quota_repositorysize s WHERE s.repository_id = r.id)
    {lock}
"""


class _NamespaceBusy(Exception):
    def __init__(self, namespace_size_id: int) -> None:
        self.namespace_size_id = namespace_size_id


def _skip_locked() -> bool:
    return connection.features.has_select_for_update_skip_locked


def namespace_sizes_missing_create() -> int:
    """One INSERT of an unsized row for every namespace without one; returns how many."""
    # A namespace being renamed or deleted holds its row FOR UPDATE: skipped, to a later run.
    lock = "FOR KEY SHARE OF n SKIP LOCKED" if _skip_locked() else ""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_NAMESPACE_SIZES_MISSING_INSERT.format(lock=lock))
        return max(cursor.rowcount, 0)


def _unsized_claim(*, excluding: list[int]) -> NamespaceSize | None:
    rows = NamespaceSize.objects.filter(sized_at__isnull=True).exclude(pk__in=excluding).order_by("pk")
    if _skip_locked():
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    return rows.select_related("namespace").first()


def _repository_size_rows_hold(namespace_id: int) -> dict[int, int]:
    """Locks the namespace's RepositorySize rows, creating the missing ones, skipping what
    another transaction holds; returns {repository id: row id} of the rows held."""
    rows = RepositorySize.objects.filter(namespace_id=namespace_id)
    if _skip_locked():
        rows = rows.select_for_update(skip_locked=True)
    held = dict(rows.values_list("repository_id", "pk"))
    lock = "FOR KEY SHARE OF r SKIP LOCKED" if _skip_locked() else ""
    with connection.cursor() as cursor:
        cursor.execute(_REPOSITORIES_WITHOUT_SIZE.format(lock=lock), [namespace_id])
        missing = [int(repository_id) for (repository_id,) in cursor.fetchall()]
    if missing:
        RepositorySize.objects.bulk_create(
            [RepositorySize(repository_id=pk, namespace_id=namespace_id) for pk in missing],
            ignore_conflicts=True,
        )
        created = RepositorySize.objects.filter(repository_id__in=missing)
        held.update(created.values_list("repository_id", "pk"))
    return held


def _namespace_size(row: NamespaceSize) -> None:
    """Overwrites the claimed namespace's totals with a recomputation; raises _NamespaceBusy
    when a repository holding bytes has a size row it could not take."""
    held = _repository_size_rows_hold(row.namespace_id)
    fresh = sizes_recompute(namespace_id=row.namespace_id)
    if any(total and pk not in held for pk, total in fresh.repository_bytes.items()):
        raise _NamespaceBusy(row.pk)
    RepositorySize.objects.bulk_update(
        [
            RepositorySize(pk=held[pk], total_bytes=total)
            for pk, total in fresh.repository_bytes.items()
            if pk in held
        ],
        ["total_bytes"],
    )
    NamespaceSize.objects.filter(pk=row.pk).update(total_bytes=fresh.namespace_bytes, sized_at=timezone.now())


def _unsized_namespace_size() -> Namespace | None:
    busy: list[int] = []
    for _ in range(BUSY_TRIES):
        try:
            with transaction.atomic():
                row = _unsized_claim(excluding=busy)
                if row is None:
                    return None
                _namespace_size(row)
                return row.namespace
        except _NamespaceBusy as error:
            busy.append(error.namespace_size_id)
    return None


def quota_backfill_step() -> Namespace | None:
    """Sizes one unsized namespace no other worker holds, in one transaction; returns it, or
    None when none is left (or each one tried was busy: a later run takes them)."""
    namespace_sizes_missing_create()
    return _unsized_namespace_size()


def quota_backfill(*, limit: int | None = None, deadline: float | None = None) -> list[Namespace]:
    """Steps until no namespace is left unsized, ``limit`` namespaces are sized, or the
    ``time.monotonic()`` instant ``deadline`` passed; returns the namespaces sized."""
    # Once per run, not per step: it reads every namespace.
    namespace_sizes_missing_create()
    sized: list[Namespace] = []
    while limit is None or len(sized) < limit:
        if deadline is not None and time.monotonic() >= deadline:
            break
        namespace = _unsized_namespace_size()
        if namespace is None:
            break
        sized.append(namespace)
    return sized
