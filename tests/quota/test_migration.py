"""Migration 0002 sizes content pushed before it, as the hooks would have counted it."""

from __future__ import annotations

import os

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.quota.test_accounting import assert_exact, push_image

pytestmark = pytest.mark.django_db(transaction=True)


def migrate_quota(target: str) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("quota", target)])


def test_the_sizes_migration_counts_what_was_pushed_before_it(as_alice, as_bob):
    shared = os.urandom(200)
    push_image(as_alice, "alice/a", "v1", [shared, os.urandom(50)])
    push_image(as_alice, "alice/b", "v1", [shared])
    push_image(as_bob, "bob/x", "v1", [shared])
    # Back to before the size tables, then forward: the tables start from what is stored.
    migrate_quota("0001_limits")
    migrate_quota("0002_sizes")
    assert_exact("alice", "bob")
