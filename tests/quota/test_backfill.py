"""The backfill sizes content pushed before the accounting, exactly, one namespace at a time;
several workers share it, and pushes during it end exact (PostgreSQL for the row locks)."""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from django.utils import timezone
from django.utils.module_loading import import_string

from orgs.models import Namespace
from orgs.services import organization_create
from quaysite import jobs
from quota import accounting, backfill
from quota.backfill import quota_backfill, quota_backfill_step
from quota.models import NamespaceSize, RepositorySize
from quota.selectors import sizes_stored
from registry import hooks
from registry.manifest_formats import OCI_INDEX
from tests.conftest import Registry
from tests.quota.test_accounting import assert_exact, push_image
from tests.registry.pushing import digest_of, index_manifest, push_manifest
from tests.registry.test_gc_locks import WAIT_SECONDS, another_session_waits_for_a_lock

pytestmark = pytest.mark.django_db(transaction=True)
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")


@pytest.fixture(autouse=True)
def no_background_backfill() -> None:
    """The in-process worker an earlier test started runs the periodic backfill too: stopped, so
    what these tests size is what they size themselves."""
    assert jobs.in_process_worker_stop(timeout=30)


@contextmanager
def accounting_off() -> Iterator[None]:
    """Pushes as before quota accounting existed: no size rows, no deltas. The hooks go back
    where they were: enforcement, registered after them, reads the total they moved."""
    points = (
        (hooks.before_manifest_commit, accounting.accounting_manifest_commit),
        (hooks.before_manifest_delete, accounting.accounting_manifests_deleting),
    )
    places = [(point, point.index(hook), hook) for point, hook in points]
    for point, _, hook in places:
        point.remove(hook)
    try:
        yield
    finally:
        for point, index, hook in places:
            point.insert(index, hook)


def unsized() -> set[str]:
    return set(NamespaceSize.objects.filter(sized_at__isnull=True).values_list("namespace__name", flat=True))


@pytest.fixture
def old_content(as_alice, as_bob, acme) -> None:
    """alice, bob and acme with shared and unique layers and an index, pushed unaccounted."""
    shared = os.urandom(700)
    with accounting_off():
        push_image(as_alice, "alice/a", "v1", [shared, os.urandom(300)])
        push_image(as_alice, "alice/b", "v1", [shared])
        amd = push_image(as_alice, "acme/multi", "amd", [shared], arch="amd64")
        arm = push_image(as_alice, "acme/multi", "arm", [os.urandom(90)], arch="arm64")
        children = [(digest_of(amd), amd, "amd64"), (digest_of(arm), arm, "arm64")]
        response = push_manifest(as_alice, "acme/multi", "latest", index_manifest(children), OCI_INDEX)
        assert response.status_code == 201
        push_image(as_bob, "bob/x", "v1", [shared, os.urandom(40)])
    assert not RepositorySize.objects.exists()


def test_content_pushed_before_the_accounting_is_sized_exactly(old_content):
    sized = quota_backfill()

    assert sorted(namespace.name for namespace in sized) == ["acme", "alice", "bob"]
    assert unsized() == set()
    assert_exact("alice", "bob", "acme")
    assert quota_backfill() == []


def test_deltas_the_hooks_added_to_an_unsized_row_are_overwritten(old_content, as_alice):
    namespace_sizes = backfill.namespace_sizes_missing_create()
    push_image(as_alice, "alice/a", "v2", [os.urandom(120)])
    # Only the new manifest's bytes: the old content is not counted yet.
    alice = Namespace.objects.get(name="alice")
    assert sizes_stored(namespace_id=alice.pk) != accounting.sizes_recompute(namespace_id=alice.pk)

    quota_backfill()

    assert namespace_sizes == 3
    assert_exact("alice", "bob", "acme")


def test_a_sized_namespace_is_not_sized_again(as_alice):
    NamespaceSize.objects.all().delete()
    push_image(as_alice, "alice/a", "v1", [os.urandom(100)])
    # Its row was made by the push's accounting, which has counted everything alice holds.
    assert NamespaceSize.objects.get().sized_at is not None
    # A drift the backfill would correct, were it to size alice again.
    NamespaceSize.objects.update(total_bytes=1)

    assert quota_backfill() == []
    assert NamespaceSize.objects.get().total_bytes == 1


def test_the_limit_stops_the_backfill(old_content):
    assert len(quota_backfill(limit=2)) == 2
    assert len(unsized()) == 1


@postgresql_only
def test_three_workers_at_once_each_size_other_namespaces_every_one_once(old_content, alice, monkeypatch):
    for name in ("org1", "org2", "org3", "org4"):
        organization_create(name=name, creator=alice)
    # Each worker's first namespace waits here, claimed, until all three hold one.
    barrier = threading.Barrier(3, timeout=WAIT_SECONDS)
    waited = threading.local()
    recompute = accounting.sizes_recompute

    def recompute_after_the_barrier(*, namespace_id: int) -> accounting.Sizes:
        if not getattr(waited, "done", False):
            waited.done = True
            barrier.wait()
        return recompute(namespace_id=namespace_id)

    monkeypatch.setattr(backfill, "sizes_recompute", recompute_after_the_barrier)
    sized: dict[str, list[str]] = {}
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            sized[name] = [namespace.name for namespace in quota_backfill(limit=20)]
        except BaseException as error:  # noqa: BLE001 - the test reports what went wrong
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_SECONDS * 2)

    assert errors == []
    every = [name for names in sized.values() for name in names]
    assert sorted(every) == ["acme", "alice", "bob", "org1", "org2", "org3", "org4"]
    assert all(names for names in sized.values())
    assert_exact("alice", "bob", "acme")


def run_in_thread(outcome: dict[str, object], key: str, work) -> threading.Thread:
    def run() -> None:
        try:
            outcome[key] = work()
        except BaseException as error:  # noqa: BLE001 - the test reports what went wrong
            outcome[key] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name=key)
    thread.start()
    return thread


@contextmanager
def push_paused_holding_its_repository(outcome: dict[str, object], repository: str) -> Iterator[None]:
    """A push into ``repository`` holding its row lock, before the accounting takes the namespace's
    size row; it goes on when the block ends."""
    holding, go = threading.Event(), threading.Event()

    def pause(event: hooks.ManifestCommit) -> None:
        holding.set()
        go.wait(WAIT_SECONDS)

    pusher = Registry(Client(), repository.split("/")[0])
    hooks.before_manifest_commit.insert(0, pause)
    try:
        thread = run_in_thread(
            outcome, "push", lambda: push_image(pusher, repository, "v2", [os.urandom(80)])
        )
        assert holding.wait(WAIT_SECONDS)
        yield
        go.set()
        thread.join(WAIT_SECONDS)
    finally:
        hooks.before_manifest_commit.remove(pause)
        go.set()


@postgresql_only
def test_the_backfill_skips_a_namespace_whose_unsized_repository_a_push_holds(old_content):
    """The repository has no size row yet: inserting one would wait for the push, which waits for
    the namespace's row. The step leaves alice for later instead of waiting."""
    outcome: dict[str, object] = {}
    with push_paused_holding_its_repository(outcome, "bob/x"):
        sized = quota_backfill()
        assert sorted(namespace.name for namespace in sized) == ["acme", "alice"]
    assert isinstance(outcome["push"], bytes)
    assert unsized() == {"bob"}

    assert [namespace.name for namespace in quota_backfill()] == ["bob"]
    assert_exact("alice", "bob", "acme")


@postgresql_only
def test_the_backfill_sizes_a_namespace_a_push_holds_a_sized_repository_of(as_bob):
    push_image(as_bob, "bob/x", "v1", [os.urandom(60)])
    NamespaceSize.objects.update(sized_at=None, total_bytes=5)
    outcome: dict[str, object] = {}
    with push_paused_holding_its_repository(outcome, "bob/x"):
        assert [namespace.name for namespace in quota_backfill()] == ["bob"]
    assert isinstance(outcome["push"], bytes)
    assert_exact("bob")


@postgresql_only
def test_a_push_during_the_backfill_of_its_namespace_waits_and_ends_exact(old_content, monkeypatch):
    holding, go = threading.Event(), threading.Event()
    recompute = accounting.sizes_recompute

    def recompute_then_pause(*, namespace_id: int) -> accounting.Sizes:
        fresh = recompute(namespace_id=namespace_id)
        holding.set()
        go.wait(WAIT_SECONDS)
        return fresh

    monkeypatch.setattr(backfill, "sizes_recompute", recompute_then_pause)
    bob = Namespace.objects.get(name="bob")
    # Only bob is left to size, so the step below claims bob.
    NamespaceSize.objects.bulk_create(
        [
            NamespaceSize(namespace=namespace, sized_at=timezone.now())
            for namespace in Namespace.objects.exclude(pk=bob.pk)
        ]
    )
    outcome: dict[str, object] = {}
    try:
        stepper = run_in_thread(outcome, "backfill", quota_backfill_step)
        assert holding.wait(WAIT_SECONDS)
        pusher = run_in_thread(
            outcome, "push", lambda: push_image(Registry(Client(), "bob"), "bob/x", "v2", [os.urandom(80)])
        )
        # The push waits for bob's size row, which the backfill holds.
        assert another_session_waits_for_a_lock()
        go.set()
        stepper.join(WAIT_SECONDS)
        pusher.join(WAIT_SECONDS)
    finally:
        go.set()

    assert outcome["backfill"] == bob
    assert isinstance(outcome["push"], bytes)
    assert_exact("bob")


def test_the_backfill_job_is_periodic_and_sizes_what_is_unsized(old_content):
    [periodic] = [job for job in jobs.PERIODIC_JOBS if job.func == "quota.tasks.quota_backfill_task"]
    assert periodic.every <= 120

    assert import_string(periodic.func)() == 3
    assert_exact("alice", "bob", "acme")


def test_the_command_prints_each_namespace_it_sized(old_content):
    out = io.StringIO()
    call_command("quota_backfill", stdout=out)

    lines = out.getvalue().splitlines()
    alice = NamespaceSize.objects.get(namespace__name="alice").total_bytes
    assert f"alice: {alice} bytes" in lines
    assert lines[-1] == "sized: 3 namespaces"
    assert_exact("alice", "bob", "acme")
