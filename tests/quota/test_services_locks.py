"""Two superusers giving one namespace a quota at once, on PostgreSQL: one quota, and the other
call gets Quay's "already exists" rather than a unique-constraint error."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from orgs.models import Namespace
from quota.models import NamespaceQuota
from quota.services import QuotaInvalid, quota_create
from tests.registry.test_gc_locks import WAIT_SECONDS

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's"),
]


def sessions_waiting_for_locks(count: int) -> bool:
    """Polled from inside a transaction, whose statistics snapshot is cleared on each look."""
    deadline = time.monotonic() + WAIT_SECONDS
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] >= count:
                return True
            time.sleep(0.01)
    return False


def test_two_creates_at_once_make_one_quota_and_one_refusal(acme, alice):
    namespace = Namespace.objects.get(name="acme")
    outcomes: list[object] = []

    def create(limit_bytes: int) -> None:
        try:
            quota = quota_create(namespace=namespace, limit_bytes=limit_bytes, actor=alice)
            outcomes.append(quota.limit_bytes)
        except QuotaInvalid as refused:
            outcomes.append(str(refused))
        except BaseException as error:  # noqa: BLE001 - the test reports what went wrong
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(size,)) for size in (1000, 2000)]
    # Both creates start while this session holds the namespace row: they meet at its lock.
    with transaction.atomic():
        Namespace.objects.select_for_update().get(pk=namespace.pk)
        for thread in threads:
            thread.start()
        both_waiting = sessions_waiting_for_locks(2)
    for thread in threads:
        thread.join(WAIT_SECONDS)

    assert both_waiting
    created = NamespaceQuota.objects.get().limit_bytes
    assert sorted(outcomes, key=str) == sorted([created, "Quota for 'acme' already exists"], key=str)
