"""Concurrent pushes into one namespace near its limit, on PostgreSQL with a connection per
thread: the Reject check under the namespace size row lock lets exactly as many in as fit."""

from __future__ import annotations

import os
import threading

import pytest
from django.db import connection, connections
from django.test import Client

from orgs.models import Namespace
from quota.accounting import sizes_recompute
from quota.models import NamespaceQuota, QuotaEvent, QuotaLimit
from quota.selectors import sizes_stored
from registry import hooks
from tests.conftest import Registry
from tests.quota.test_enforcement import image_bytes
from tests.registry.pushing import push_blob, push_manifest
from tests.registry.test_gc_locks import WAIT_SECONDS

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's"),
]
PUSHERS = 4


@pytest.fixture(autouse=True)
def quota_on(settings):
    settings.FEATURE_QUOTA_MANAGEMENT = True
    settings.DEFAULT_SYSTEM_REJECT_QUOTA_BYTES = 0


def test_four_pushes_at_once_near_the_limit_never_end_over_it(alice, acme):
    # Same-sized images (arch names of one length), each in its own repository so that only
    # the namespace's row serializes them; room for two and a half.
    layers = {n: os.urandom(2000) for n in range(PUSHERS)}
    images = [image_bytes([layers[n]], f"arch{n}") for n in range(PUSHERS)]
    adds = images[0][2]
    assert {size for _, _, size in images} == {adds}
    namespace = Namespace.objects.get(name="acme")
    quota = NamespaceQuota.objects.create(namespace=namespace, limit_bytes=adds * 5 // 2)
    QuotaLimit.objects.create(quota=quota, kind=QuotaLimit.Kind.REJECT, threshold_percent=100)
    pushers = [Registry(Client(), "alice") for _ in range(PUSHERS)]
    for n, (config, _, _) in enumerate(images):
        for blob in (config, layers[n]):
            push_blob(pushers[n], f"acme/app{n}", blob)

    barrier = threading.Barrier(PUSHERS, timeout=WAIT_SECONDS)

    def all_at_once(event: hooks.ManifestCommit) -> None:
        # Each holds its repository's lock and none the namespace's row: they race for it.
        barrier.wait()

    statuses: dict[int, object] = {}

    def push(n: int) -> None:
        try:
            response = push_manifest(pushers[n], f"acme/app{n}", "v1", images[n][1])
            statuses[n] = response.status_code
        except BaseException as error:  # noqa: BLE001 - the test reports what went wrong
            statuses[n] = error
        finally:
            connections.close_all()

    hooks.before_manifest_commit.insert(0, all_at_once)
    try:
        threads = [threading.Thread(target=push, args=(n,)) for n in range(PUSHERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(WAIT_SECONDS * 2)
    finally:
        hooks.before_manifest_commit.remove(all_at_once)
        barrier.abort()

    assert sorted(statuses.values()) == [201, 201, 403, 403], statuses
    stored = sizes_stored(namespace_id=namespace.pk)
    assert stored.namespace_bytes == 2 * adds <= quota.limit_bytes
    assert stored == sizes_recompute(namespace_id=namespace.pk)
    assert QuotaEvent.objects.filter(kind=QuotaEvent.Kind.ERROR).count() == 2
