"""The mirror workers, with a sync function passed in for the engine: a claim takes the mirror due
longest and marks it SYNCING; the report and the next run are stored; a cancel is seen at the next
tag boundary; a dead worker's claim is taken again after its deadline. Four workers over twenty
mirrors sync each exactly once per interval, never one twice at once."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mirroring.errors import MirrorStateConflict
from mirroring.models import RepositoryMirror
from mirroring.services import mirror_sync_cancel, mirror_sync_now
from mirroring.sync import SyncReport
from mirroring.worker import mirror_claim, mirror_run, mirrors_run
from orgs.models import AuditLog
from tests.concurrency import workers_run
from tests.mirroring.mirrors import mirror_make

pytestmark = pytest.mark.django_db
Status = RepositoryMirror.SyncStatus
WORKERS = 4
MIRRORS = 20


def synced(**report: Any):
    def sync(mirror, *, cancelled):
        return SyncReport(**report)

    return sync


def test_the_claim_takes_the_mirror_due_longest_and_marks_it_syncing(acme, alice, mirror_robot):
    now = timezone.now()
    mirror_make(acme, alice, "later", robot=mirror_robot, sync_start_date=now - timedelta(minutes=1))
    first = mirror_make(acme, alice, "first", robot=mirror_robot, sync_start_date=now - timedelta(minutes=5))
    mirror_make(acme, alice, "future", robot=mirror_robot, sync_start_date=now + timedelta(hours=1))
    claimed = mirror_claim()
    assert claimed is not None and claimed.pk == first.pk
    stored = RepositoryMirror.objects.get(pk=first.pk)
    assert stored.sync_status == Status.SYNCING and stored.last_started is not None
    assert stored.sync_expiration_date > timezone.now()
    later = mirror_claim()
    assert later is not None and later.repository.name == "later"
    assert mirror_claim() is None


def test_a_disabled_mirror_is_never_claimed(acme, alice, mirror_robot):
    mirror_make(acme, alice, "app", robot=mirror_robot, is_enabled=False)
    assert mirror_claim() is None


def test_nothing_due_costs_one_query(acme, alice, mirror_robot):
    mirror_make(acme, alice, "app", robot=mirror_robot, sync_start_date=timezone.now() + timedelta(hours=1))
    with CaptureQueriesContext(connection) as queries:
        assert mirror_claim() is None
    statements = [query["sql"] for query in queries if "SAVEPOINT" not in query["sql"]]
    assert len(statements) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
def test_the_claim_reads_the_due_index(acme, alice, mirror_robot):
    mirror_make(acme, alice, "app", robot=mirror_robot)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM mirroring_repositorymirror WHERE is_enabled AND "
            "sync_expiration_date <= now() ORDER BY sync_expiration_date LIMIT 1 FOR UPDATE SKIP LOCKED"
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "mirror_due" in plan


def test_a_success_stores_the_report_and_the_next_run_one_interval_on(acme, alice, mirror_robot):
    mirror = mirror_make(acme, alice, "app", robot=mirror_robot, sync_interval=900)
    [run] = mirrors_run(sync=synced(tags_synced=3, tags_deleted=1, bytes_copied=100, bytes_skipped=50))
    stored = RepositoryMirror.objects.get(pk=mirror.pk)
    assert (stored.sync_status, stored.tags_synced, stored.tags_deleted) == (Status.SYNC_SUCCESS, 3, 1)
    assert (stored.bytes_copied, stored.bytes_skipped, stored.failed_reason) == (100, 50, "")
    assert stored.last_finished is not None and stored.last_started is not None
    assert stored.sync_expiration_date is not None
    assert stored.last_finished >= stored.last_started
    assert abs((stored.sync_expiration_date - stored.last_finished) - timedelta(seconds=900)) < timedelta(
        seconds=1
    )
    kinds = list(AuditLog.objects.filter(kind__startswith="repo_mirror_sync").values_list("kind", flat=True))
    assert sorted(kinds) == ["repo_mirror_sync_started", "repo_mirror_sync_success"]
    assert mirrors_run(sync=synced()) == []


def test_per_tag_errors_end_in_sync_failed_with_the_reason(acme, alice, mirror_robot):
    mirror = mirror_make(acme, alice, "app", robot=mirror_robot)
    mirrors_run(
        sync=synced(tags_synced=1, errors={"v1.2": "digest mismatch"}, failed_reason="1 of 2 tags failed")
    )
    stored = RepositoryMirror.objects.get(pk=mirror.pk)
    assert stored.sync_status == Status.SYNC_FAILED and stored.errors == {"v1.2": "digest mismatch"}
    assert stored.failed_reason == "1 of 2 tags failed"
    assert AuditLog.objects.filter(kind="repo_mirror_sync_failed").count() == 1


def test_a_sync_that_raises_fails_the_mirror_and_the_next_goes_on(acme, alice, mirror_robot):
    broken = mirror_make(
        acme, alice, "broken", robot=mirror_robot, sync_start_date=timezone.now() - timedelta(hours=1)
    )
    fine = mirror_make(acme, alice, "fine", robot=mirror_robot)

    def sync(mirror, *, cancelled):
        if mirror.pk == broken.pk:
            raise RuntimeError("boom")
        return SyncReport(tags_synced=1)

    assert len(mirrors_run(sync=sync)) == 2
    assert RepositoryMirror.objects.get(pk=broken.pk).failed_reason == "internal error: boom"
    assert RepositoryMirror.objects.get(pk=fine.pk).sync_status == Status.SYNC_SUCCESS


def test_sync_cancel_is_seen_at_the_next_tag_boundary(acme, alice, mirror_robot):
    mirror = mirror_make(acme, alice, "app", robot=mirror_robot)
    boundaries: list[bool] = []

    def sync(claimed, *, cancelled):
        report = SyncReport()
        for tag in ("a", "b", "c"):
            stop = cancelled()
            boundaries.append(stop)
            if stop:
                report.cancelled = True
                return report
            report.tags_synced += 1
            if tag == "a":
                mirror_sync_cancel(actor=alice, mirror=claimed)
                # Cancelled but still running: a sync-now would let a second worker in.
                with pytest.raises(MirrorStateConflict):
                    mirror_sync_now(actor=alice, mirror=claimed)
        return report

    mirrors_run(sync=sync)
    assert boundaries == [False, True]
    stored = RepositoryMirror.objects.get(pk=mirror.pk)
    assert stored.sync_status == Status.SYNC_CANCEL and stored.tags_synced == 1
    assert stored.sync_expiration_date > timezone.now()


def test_sync_now_runs_a_mirror_not_yet_due(acme, alice, mirror_robot):
    mirror = mirror_make(
        acme, alice, "app", robot=mirror_robot, sync_start_date=timezone.now() + timedelta(days=1)
    )
    assert mirrors_run(sync=synced()) == []
    mirror_sync_now(actor=alice, mirror=mirror)
    [run] = mirrors_run(sync=synced(tags_synced=2))
    assert run.pk == mirror.pk and run.sync_status == Status.SYNC_SUCCESS


def test_a_dead_workers_claim_is_taken_again_after_its_deadline_and_the_old_report_is_dropped(
    acme, alice, mirror_robot
):
    mirror = mirror_make(acme, alice, "app", robot=mirror_robot)
    stale = mirror_claim()
    assert stale is not None and stale.last_started is not None
    assert mirror_claim() is None
    RepositoryMirror.objects.filter(pk=mirror.pk).update(
        sync_expiration_date=timezone.now() - timedelta(seconds=1)
    )
    fresh = mirror_claim()
    assert fresh is not None and fresh.last_started is not None
    assert fresh.last_started > stale.last_started
    # The first worker wakes up: its claim is gone, so it sees a cancel and records nothing.
    mirror_run(stale, sync=lambda claimed, *, cancelled: SyncReport(cancelled=cancelled(), tags_synced=9))
    assert RepositoryMirror.objects.get(pk=mirror.pk).sync_status == Status.SYNCING
    mirror_run(fresh, sync=synced(tags_synced=1))
    stored = RepositoryMirror.objects.get(pk=mirror.pk)
    assert (stored.sync_status, stored.tags_synced) == (Status.SYNC_SUCCESS, 1)


def test_the_command_syncs_one_repository_now(acme, alice, mirror_robot, capsys, monkeypatch):
    mirror_make(acme, alice, "app", robot=mirror_robot, sync_start_date=timezone.now() + timedelta(days=1))
    monkeypatch.setattr("mirroring.worker.mirror_sync", synced(tags_synced=4))
    call_command("mirror_sync", repository="acme/app")
    assert "acme/app: SYNC_SUCCESS, 4 tags" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SKIP LOCKED between connections is PostgreSQL's"
)
def test_four_workers_sync_twenty_mirrors_each_once_per_interval_never_two_at_once(acme, alice, mirror_robot):
    for index in range(MIRRORS):
        mirror_make(acme, alice, f"app{index:02d}", robot=mirror_robot)
    barrier = threading.Barrier(WORKERS, timeout=30)
    active: Counter[int] = Counter()
    overlaps: list[int] = []
    synced_by: dict[int, list[str]] = {}
    lock = threading.Lock()

    def sync(mirror, *, cancelled):
        with lock:
            active[mirror.pk] += 1
            if active[mirror.pk] > 1:
                overlaps.append(mirror.pk)
            synced_by.setdefault(mirror.pk, []).append(threading.current_thread().name)
        try:
            # Long enough that the other workers claim while this one syncs.
            time.sleep(0.02)
            assert not cancelled()
            return SyncReport(tags_synced=1)
        finally:
            with lock:
                active[mirror.pk] -= 1

    failures = workers_run(WORKERS, lambda: mirrors_run(max_mirrors=MIRRORS, sync=sync), barrier)

    assert failures == [] and overlaps == []
    assert len(synced_by) == MIRRORS and all(len(workers) == 1 for workers in synced_by.values())
    assert len({workers[0] for workers in synced_by.values()}) > 1
    mirrors = RepositoryMirror.objects.all()
    assert {mirror.sync_status for mirror in mirrors} == {Status.SYNC_SUCCESS}
    # Within the interval nothing is due again.
    assert mirrors_run(sync=sync) == []
    assert AuditLog.objects.filter(kind="repo_mirror_sync_success").count() == MIRRORS
