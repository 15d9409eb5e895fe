"""The size tables' migrations size nothing, however much is stored (a large registry upgrades
at once): they leave each namespace an unsized row, and the backfill then sizes what was pushed
before them, as the hooks would have counted."""

from __future__ import annotations

import os

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from quaysite import jobs
from quota.backfill import quota_backfill
from quota.models import NamespaceSize, RepositorySize
from tests.quota.test_accounting import assert_exact, push_image

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def no_background_backfill() -> None:
    """The in-process worker an earlier test started runs the periodic backfill too: stopped, so
    what these tests size is what they size themselves."""
    assert jobs.in_process_worker_stop(timeout=30)


def migrate_quota(target: str | None) -> None:
    executor = MigrationExecutor(connection)
    if target is None:
        (leaf,) = executor.loader.graph.leaf_nodes("quota")
        executor.migrate([leaf])
    else:
        executor.migrate([("quota", target)])


def test_the_size_migrations_size_nothing_and_the_backfill_sizes_what_was_there(as_alice, as_bob):
    shared = os.urandom(200)
    push_image(as_alice, "alice/a", "v1", [shared, os.urandom(50)])
    push_image(as_alice, "alice/b", "v1", [shared])
    push_image(as_bob, "bob/x", "v1", [shared])
    # Back to before the size tables, then forward: the tables start empty.
    migrate_quota("0001_limits")
    migrate_quota(None)
    # Each namespace has a row, unsized, for the backfill; nothing was summed.
    rows = NamespaceSize.objects.values_list("namespace__name", "total_bytes", "sized_at")
    assert sorted(row for row in rows if row[0] in ("alice", "bob")) == [("alice", 0, None), ("bob", 0, None)]
    assert not RepositorySize.objects.exists()

    assert sorted(namespace.name for namespace in quota_backfill()) == ["alice", "bob"]
    assert_exact("alice", "bob")
