"""The mirror workers: claim a due mirror, sync it outside any transaction, record the report.
Any number of workers (threads, rq workers, server replicas) may run at once.

A claim is a ``SELECT ... FOR UPDATE SKIP LOCKED`` of the enabled mirror whose next run
(``sync_expiration_date``) passed longest ago, which sets SYNCING, ``last_started`` and a
deadline of CLAIM_SECONDS in the same short transaction and commits: the next claimer skips the
locked row, then finds it not due. At every tag boundary the sync asks ``cancelled()``, which
renews the deadline in one UPDATE that also says whether the mirror is still ours and not
cancelled; a worker that died stops renewing and its mirror is due again at the deadline.
``last_started`` is the claim's token: a worker whose claim was taken over records nothing.
On SQLite the lock clause is dropped: its write transactions already run one at a time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from mirroring.hooks import SYNC_FAILED, SYNC_STARTED, SYNC_SUCCESS, MirrorEvent, mirror_event_hooks_run
from mirroring.models import RepositoryMirror
from mirroring.sync import SyncReport, mirror_sync
from orgs.audit import audit_log_write

logger = logging.getLogger(__name__)

Status = RepositoryMirror.SyncStatus
# How long a claim holds without a renewal (one tag's copy must fit in it).
CLAIM_SECONDS = 600
# One run of the periodic job syncs at most this many mirrors; the next run goes on.
RUN_MAX_MIRRORS = 20
REASON_MAX = 4000


SyncFunction = Callable[..., SyncReport]


def mirror_claim(*, repository_id: int | None = None) -> RepositoryMirror | None:
    """The mirror due longest, now SYNCING and ours, or None: one indexed query when none is due."""
    now = timezone.now()
    with transaction.atomic():
        due = RepositoryMirror.objects.filter(is_enabled=True, sync_expiration_date__lte=now)
        if repository_id is not None:
            due = due.filter(repository_id=repository_id)
        mirror = (
            due.order_by("sync_expiration_date")
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("repository__namespace", "robot")
            .first()
        )
        if mirror is None:
            return None
        mirror.sync_status = Status.SYNCING
        mirror.last_started = now
        mirror.sync_expiration_date = now + timedelta(seconds=CLAIM_SECONDS)
        mirror.save(update_fields=["sync_status", "last_started", "sync_expiration_date"])
        _audit(SYNC_STARTED, mirror, external_reference=mirror.external_reference)
        mirror_event_hooks_run(MirrorEvent(SYNC_STARTED, mirror))
    return mirror


def _ours(mirror: RepositoryMirror, claimed_at: datetime) -> QuerySet[RepositoryMirror]:
    return RepositoryMirror.objects.filter(pk=mirror.pk, last_started=claimed_at)


def _cancelled_check(mirror: RepositoryMirror, claimed_at: datetime) -> Callable[[], bool]:
    def cancelled() -> bool:
        renewed = (
            _ours(mirror, claimed_at)
            .filter(sync_status=Status.SYNCING)
            .update(sync_expiration_date=timezone.now() + timedelta(seconds=CLAIM_SECONDS))
        )
        # 0 rows: SYNC_CANCEL was asked, or another worker took the claim over.
        return renewed == 0

    return cancelled


def _audit(kind: str, mirror: RepositoryMirror, **metadata: object) -> None:
    repository = mirror.repository
    audit_log_write(
        kind=kind,
        performer=None,
        repository=repository,
        metadata={**metadata, "namespace": repository.namespace.name, "repo": repository.name},
    )


def _status_of(report: SyncReport) -> str:
    if report.cancelled:
        return Status.SYNC_CANCEL
    return Status.SYNC_FAILED if report.failed_reason or report.errors else Status.SYNC_SUCCESS


def _report_store(mirror: RepositoryMirror, claimed_at: datetime, report: SyncReport) -> bool:
    """Records the report and the next run, unless the claim was taken over meanwhile."""
    now = timezone.now()
    status = _status_of(report)
    values = {
        "sync_status": status,
        "last_finished": now,
        "sync_expiration_date": now + timedelta(seconds=mirror.sync_interval),
        "tags_synced": report.tags_synced,
        "tags_deleted": report.tags_deleted,
        "bytes_copied": report.bytes_copied,
        "bytes_skipped": report.bytes_skipped,
        "errors": dict(report.errors),
        "failed_reason": (report.failed_reason or "")[:REASON_MAX],
    }
    with transaction.atomic():
        if not _ours(mirror, claimed_at).update(**values):
            return False
        for name, value in values.items():
            setattr(mirror, name, value)
        if status == Status.SYNC_SUCCESS:
            _audit(SYNC_SUCCESS, mirror, tags_synced=report.tags_synced)
            mirror_event_hooks_run(MirrorEvent(SYNC_SUCCESS, mirror))
        elif status == Status.SYNC_FAILED:
            _audit(SYNC_FAILED, mirror, message=mirror.failed_reason)
            mirror_event_hooks_run(MirrorEvent(SYNC_FAILED, mirror))
    return True


def mirror_run(mirror: RepositoryMirror, *, sync: SyncFunction | None = None) -> RepositoryMirror:
    """Syncs a claimed mirror and records how it went; ``sync`` (tests) stands in for the engine."""
    claimed_at = mirror.last_started
    assert claimed_at is not None, "mirror_run takes a mirror from mirror_claim"
    try:
        report = (sync or mirror_sync)(mirror, cancelled=_cancelled_check(mirror, claimed_at))
    except Exception as exc:
        # One mirror's bug must not stop the others; the status says what went wrong.
        logger.exception("mirror sync of repository %s failed", mirror.repository_id)
        report = SyncReport(failed_reason=f"internal error: {exc}")
    _report_store(mirror, claimed_at, report)
    return mirror


def mirrors_run(
    *, max_mirrors: int = RUN_MAX_MIRRORS, repository_id: int | None = None, sync: SyncFunction | None = None
) -> list[RepositoryMirror]:
    """Claims and syncs due mirrors one after another until none is due."""
    runs = []
    for _ in range(max_mirrors):
        mirror = mirror_claim(repository_id=repository_id)
        if mirror is None:
            break
        runs.append(mirror_run(mirror, sync=sync))
    return runs
