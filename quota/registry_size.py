"""Quay's registry size calculation: a superuser queues a recomputation of every namespace's
totals from the registry's rows, a worker runs it and records when it finished and what drift it
corrected (always 0 while the accounting hooks are right).

The size itself is read live (``quota.selectors.registry_usage``): the kept totals are exact,
so there is nothing to wait for; the calculation is the proof.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from orgs.models import Namespace
from quaysite.jobs import enqueue
from quota.accounting import sizes_reconcile
from quota.models import RegistrySizeCalculation

# A calculation started this long ago without finishing died with its worker: a new one may be
# queued rather than waiting forever.
RUNNING_STALE = timedelta(hours=6)


@dataclass(frozen=True)
class CalculationState:
    last_ran: datetime | None
    queued: bool
    running: bool


def _row() -> RegistrySizeCalculation:
    """The one row, locked to the end of the transaction."""
    RegistrySizeCalculation.objects.get_or_create(pk=1)
    return RegistrySizeCalculation.objects.select_for_update().get(pk=1)


def _state(row: RegistrySizeCalculation | None, now: datetime) -> CalculationState:
    if row is None:
        return CalculationState(last_ran=None, queued=False, running=False)
    unfinished = row.started is not None and (row.completed is None or row.completed < row.started)
    return CalculationState(
        last_ran=row.completed,
        queued=row.queued is not None,
        running=unfinished and row.started > now - RUNNING_STALE,
    )


def registry_size_state() -> CalculationState:
    return _state(RegistrySizeCalculation.objects.filter(pk=1).first(), timezone.now())


@transaction.atomic
def registry_size_queue() -> bool:
    """Queues a calculation; False when one is already queued or running (Quay's 202)."""
    row = _row()
    state = _state(row, timezone.now())
    if state.queued or state.running:
        return False
    row.queued = timezone.now()
    row.save(update_fields=["queued"])
    enqueue(registry_size_calculate)
    return True


def _claim() -> bool:
    # 0 rows updated: another worker took the queued calculation first.
    claimed = RegistrySizeCalculation.objects.filter(pk=1, queued__isnull=False)
    return claimed.update(queued=None, started=timezone.now()) == 1


def registry_size_calculate() -> int | None:
    """Recomputes every namespace, one transaction each; the drift corrected, or None when
    nothing was queued."""
    if not _claim():
        return None
    drift = 0
    for namespace_id in Namespace.objects.order_by("pk").values_list("pk", flat=True).iterator():
        drift += sizes_reconcile(namespace_id=namespace_id)
    RegistrySizeCalculation.objects.filter(pk=1).update(completed=timezone.now(), drift_bytes=drift)
    return drift
