"""The accounting's namespace row lock beside the registry's repository locks, on PostgreSQL:
deleting a namespace while a push into it is past its repository lock ends with both done."""

from __future__ import annotations

import os
import threading

import pytest
from django.db import connection, connections

from orgs.models import Namespace
from orgs.services.organization_delete import organization_delete
from registry import hooks
from tests.quota.test_accounting import push_image
from tests.registry.test_gc_locks import WAIT_SECONDS, another_session_waits_for_a_lock

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's"),
]


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
