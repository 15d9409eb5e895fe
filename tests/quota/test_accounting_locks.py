"""The accounting's namespace row lock beside the registry's repository locks, on PostgreSQL:
deleting a namespace while a push into it is past its repository lock ends with both done."""

from __future__ import annotations

import os
import threading

import pytest
from django.db import connection, connections
from django.test import Client

from orgs.models import Namespace
from orgs.services.organization_delete import organization_delete
from quota.selectors import sizes_stored
from registry import hooks
from registry.models import Manifest
from registry.services.gc import gc_run
from tests.conftest import Registry
from tests.quota.test_accounting import assert_exact, config_for, push_image
from tests.registry.pushing import push_blob
from tests.registry.test_gc_locks import WAIT_SECONDS, another_session_waits_for_a_lock

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's"),
]


@pytest.fixture(autouse=True)
def no_grace(settings):
    settings.PUSH_TEMP_TAG_EXPIRATION_SEC = 0


def test_a_namespace_deletion_and_a_push_holding_one_of_its_repositories_both_finish(as_alice, alice, acme):
    push_image(as_alice, "acme/a", "v1", [os.urandom(100)])
    push_image(as_alice, "acme/b", "v1", [os.urandom(100)])
    holding, go = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def pause(event: hooks.ManifestCommit) -> None:
        # First of the hooks: the push holds acme/b's lock and not yet the namespace's row.
        holding.set()
        go.wait(WAIT_SECONDS)

    def push() -> None:
        try:
            push_image(as_alice, "acme/b", "v2", [os.urandom(100)])
            outcome["push"] = "done"
        except BaseException as error:  # noqa: BLE001 - the test reports what went wrong
            outcome["push"] = error
        finally:
            connections.close_all()

    def delete() -> None:
        try:
            organization_delete(actor=alice, organization=acme)
            outcome["delete"] = "done"
        except BaseException as error:  # noqa: BLE001
            outcome["delete"] = error
        finally:
            connections.close_all()

    hooks.before_manifest_commit.insert(0, pause)
    try:
        pusher = threading.Thread(target=push)
        pusher.start()
        assert holding.wait(WAIT_SECONDS)
        deleter = threading.Thread(target=delete)
        deleter.start()
        # The deletion is blocked on a repository lock: only now does the push go on.
        assert another_session_waits_for_a_lock()
        go.set()
        pusher.join(WAIT_SECONDS)
        deleter.join(WAIT_SECONDS)
    finally:
        hooks.before_manifest_commit.remove(pause)
        go.set()

    assert outcome == {"push": "done", "delete": "done"}
    assert not Namespace.objects.filter(name="acme").exists()


def in_thread(outcome: dict[str, object], key: str, work, done: threading.Event) -> threading.Thread:
    def run() -> None:
        try:
            work()
            outcome[key] = "done"
        except BaseException as error:  # noqa: BLE001 - the test reports what went wrong
            outcome[key] = error
        finally:
            done.set()
            connections.close_all()

    thread = threading.Thread(target=run, name=key)
    thread.start()
    return thread


@pytest.mark.parametrize("first", ["push", "gc"])
def test_a_layer_entering_and_leaving_two_repositories_at_once_counts_exactly(as_alice, alice, first):
    """GC deletes repository a's only manifest with the layer while a push into b references it,
    both past their repository locks; whichever takes the namespace row first, the layer counts
    once in the namespace at the end."""
    Namespace.objects.filter(name="alice").update(time_machine_seconds=0)
    layer = os.urandom(300)
    push_image(as_alice, "alice/a", "v1", [layer])
    scope = "repository:alice/a:push,pull,delete"
    assert as_alice.call("DELETE", "/v2/alice/a/manifests/v1", scope=scope).status_code == 202
    for blob in (config_for("amd64"), layer):
        push_blob(as_alice, "alice/b", blob)
    barrier = threading.Barrier(2, timeout=WAIT_SECONDS)
    done = {"push": threading.Event(), "gc": threading.Event()}

    def pause(event: object) -> None:
        # Both hold their repository's lock, neither the namespace's row; the second to go
        # waits until the first committed.
        barrier.wait()
        if threading.current_thread().name != first:
            done[first].wait(WAIT_SECONDS)

    pusher = Registry(Client(), "alice")
    outcome: dict[str, object] = {}
    hooks.before_manifest_commit.insert(0, pause)
    hooks.before_manifest_delete.insert(0, pause)
    try:
        threads = [
            in_thread(outcome, "push", lambda: push_image(pusher, "alice/b", "v1", [layer]), done["push"]),
            in_thread(outcome, "gc", gc_run, done["gc"]),
        ]
        for thread in threads:
            thread.join(WAIT_SECONDS * 2)
    finally:
        hooks.before_manifest_commit.remove(pause)
        hooks.before_manifest_delete.remove(pause)
        barrier.abort()

    assert outcome == {"push": "done", "gc": "done"}
    assert not Manifest.objects.filter(repository__name="a").exists()
    assert_exact("alice")
    stored = sizes_stored(namespace_id=Namespace.objects.get(name="alice").pk)
    assert (
        stored.namespace_bytes
        == Manifest.objects.get(repository__name="b").size + len(config_for("amd64")) + 300
    )
