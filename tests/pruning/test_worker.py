"""The worker's claim: the task due longest (never run first), stamped so no other worker takes
it within the poll period; a task left without policies is deleted; the status says how the run
went. Four workers over fifty namespaces at once prune each exactly once, never two at a time."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orgs.models import AuditLog
from orgs.services import organization_create
from pruning.models import AutoPruneTaskStatus, NamespaceAutoPrunePolicy
from pruning.services import namespace_policy_create, namespace_prune
from pruning.worker import autoprune_run, autoprune_task_claim, now_ms
from tests.concurrency import workers_run
from tests.pruning.conftest import live_tags, repository_with_tags

pytestmark = pytest.mark.django_db


def _org_with_policy(creator, name: str, keep: int = 1):
    organization = organization_create(name=name, creator=creator)
    namespace_policy_create(
        actor=creator, namespace=organization.namespace, method="number_of_tags", value=keep
    )
    return organization


def test_a_task_never_run_comes_first_then_the_one_waiting_longest(alice):
    orgs = [_org_with_policy(alice, name) for name in ("first", "second", "third")]
    now = now_ms()
    AutoPruneTaskStatus.objects.filter(namespace=orgs[0].namespace).update(last_ran_ms=now - 60_000)
    AutoPruneTaskStatus.objects.filter(namespace=orgs[1].namespace).update(last_ran_ms=now - 120_000)
    claimed = [task.namespace.name for _ in range(3) if (task := autoprune_task_claim()) is not None]
    assert claimed == ["third", "second", "first"]
    assert autoprune_task_claim() is None


def test_a_claimed_task_is_stamped_running_and_not_due_within_the_period(alice):
    _org_with_policy(alice, "acme")
    before = now_ms()
    task = autoprune_task_claim()
    assert task is not None
    stored = AutoPruneTaskStatus.objects.get(pk=task.pk)
    assert stored.status == "running" and stored.last_ran_ms is not None and stored.last_ran_ms >= before
    assert autoprune_task_claim() is None


def test_nothing_due_costs_one_query(alice):
    _org_with_policy(alice, "acme")
    autoprune_run()
    with CaptureQueriesContext(connection) as queries:
        assert autoprune_task_claim() is None
    # The test's transaction turns the claim's own into a savepoint, which production has not.
    statements = [query["sql"] for query in queries if "SAVEPOINT" not in query["sql"]]
    assert len(statements) == 1 and "COALESCE" in statements[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
def test_the_claim_reads_the_due_index(alice):
    _org_with_policy(alice, "acme")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM pruning_autoprunetaskstatus WHERE COALESCE(last_ran_ms, 0) < 5 "
            "ORDER BY COALESCE(last_ran_ms, 0) LIMIT 1 FOR UPDATE SKIP LOCKED"
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "autoprune_task_due" in plan


def test_a_run_prunes_and_records_success(alice):
    acme = _org_with_policy(alice, "acme", keep=2)
    repository = repository_with_tags(acme, "app", ["a", "b", "c"])
    [run] = autoprune_run()
    assert run.result is not None
    assert (run.namespace, run.status, [tag.tag for tag in run.result.tags]) == ("acme", "success", ["a"])
    assert live_tags(repository) == ["b", "c"]
    task = AutoPruneTaskStatus.objects.get()
    assert task.status == "success" and task.last_ran_ms is not None


def test_a_task_without_policies_is_deleted(alice):
    acme = _org_with_policy(alice, "acme")
    NamespaceAutoPrunePolicy.objects.filter(namespace=acme.namespace).delete()
    [run] = autoprune_run()
    assert run.status == "deleted"
    assert not AutoPruneTaskStatus.objects.exists()


def test_a_policy_created_after_its_task_was_deleted_brings_a_new_task(alice):
    acme = _org_with_policy(alice, "acme")
    repository = repository_with_tags(acme, "app", ["a", "b"])
    NamespaceAutoPrunePolicy.objects.filter(namespace=acme.namespace).delete()
    assert [run.status for run in autoprune_run()] == ["deleted"]
    namespace_policy_create(actor=alice, namespace=acme.namespace, method="number_of_tags", value=1)
    assert AutoPruneTaskStatus.objects.get(namespace=acme.namespace).last_ran_ms is None
    assert [run.status for run in autoprune_run()] == ["success"]
    assert live_tags(repository) == ["b"]


def test_a_failing_namespace_records_the_failure_and_the_next_goes_on(alice):
    broken = _org_with_policy(alice, "broken")
    repository_with_tags(broken, "app", ["a", "b"])
    NamespaceAutoPrunePolicy.objects.filter(namespace=broken.namespace).update(
        policy={"method": "creation_date", "value": "soon"}
    )
    fine = _org_with_policy(alice, "fine")
    repository = repository_with_tags(fine, "app", ["a", "b"])
    runs = {run.namespace: run.status for run in autoprune_run()}
    assert runs["fine"] == "success"
    assert runs["broken"].startswith("failure: ")
    assert AutoPruneTaskStatus.objects.get(namespace=broken.namespace).status == runs["broken"]
    assert live_tags(repository) == ["b"]


def test_the_command_dry_run_lists_and_deletes_nothing(alice, capsys):
    acme = _org_with_policy(alice, "acme")
    repository = repository_with_tags(acme, "app", ["a", "b"])
    call_command("autoprune", "--dry-run", "--namespace", "acme")
    out = capsys.readouterr().out
    assert "would prune acme/app:a (policy " in out and "tags to prune: 1" in out
    assert live_tags(repository) == ["a", "b"]
    call_command("autoprune")
    assert live_tags(repository) == ["b"]
    assert "pruned acme/app:a" in capsys.readouterr().out


# Four workers at once -----------------------------------------------------------------------------

WORKERS = 4
NAMESPACES = 50


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SKIP LOCKED between connections is PostgreSQL's"
)
def test_four_workers_at_once_prune_every_namespace_exactly_once_and_never_two_at_a_time(alice, monkeypatch):
    for index in range(NAMESPACES):
        organization = _org_with_policy(alice, f"team{index:02d}")
        repository_with_tags(organization, "app", ["old", "new"])
    barrier = threading.Barrier(WORKERS, timeout=30)
    active: Counter[str] = Counter()
    overlaps: list[str] = []
    lock = threading.Lock()
    claimed_by: dict[str, list[str]] = {}

    def observed_prune(*, namespace, **kwargs):
        with lock:
            active[namespace.name] += 1
            if active[namespace.name] > 1:
                overlaps.append(namespace.name)
            claimed_by.setdefault(namespace.name, []).append(threading.current_thread().name)
        try:
            # Long enough that the other workers claim while this one prunes.
            time.sleep(0.01)
            return namespace_prune(namespace=namespace, **kwargs)
        finally:
            with lock:
                active[namespace.name] -= 1

    monkeypatch.setattr("pruning.worker.namespace_prune", observed_prune)
    failures = workers_run(WORKERS, lambda: autoprune_run(max_namespaces=NAMESPACES), barrier)

    assert failures == [] and overlaps == []
    assert sorted(claimed_by) == [f"team{index:02d}" for index in range(NAMESPACES)]
    assert all(len(workers) == 1 for workers in claimed_by.values())
    # More than one worker took part: the claims interleaved rather than ran in a row.
    assert len({workers[0] for workers in claimed_by.values()}) > 1
    pruned = Counter(
        AuditLog.objects.filter(kind="autoprune_tag_delete").values_list("namespace_name", flat=True)
    )
    assert pruned == Counter({f"team{index:02d}": 1 for index in range(NAMESPACES)})
    tasks = AutoPruneTaskStatus.objects.all()
    assert len(tasks) == NAMESPACES and {task.status for task in tasks} == {"success"}
    # A second round within the poll period finds nothing due.
    assert autoprune_run() == []
