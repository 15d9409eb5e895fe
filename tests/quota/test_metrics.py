"""The largest namespaces' bytes and limits as /metrics gauges (quota.metrics)."""

from __future__ import annotations

import pytest

from quota.metrics import NamespaceQuotaCollector
from quota.models import NamespaceQuota, NamespaceSize

pytestmark = pytest.mark.django_db


def _gauges() -> dict[str, dict[str, float]]:
    return {
        family.name: {sample.labels["namespace"]: sample.value for sample in family.samples}
        for family in NamespaceQuotaCollector().collect()
    }


def test_the_largest_namespaces_show_their_bytes_and_quota(alice, bob, acme):
    NamespaceSize.objects.update_or_create(namespace=alice.namespace, defaults={"total_bytes": 500})
    NamespaceSize.objects.update_or_create(namespace=acme.namespace, defaults={"total_bytes": 9000})
    NamespaceSize.objects.update_or_create(namespace=bob.namespace, defaults={"total_bytes": 10})
    NamespaceQuota.objects.create(namespace=acme.namespace, limit_bytes=10_000)

    gauges = _gauges()

    assert gauges["quay_quota_namespace_bytes"] == {"acme": 9000, "alice": 500, "bob": 10}
    assert gauges["quay_quota_namespace_limit_bytes"] == {"acme": 10_000}


def test_only_the_largest_namespaces_get_a_label(alice, bob, monkeypatch):
    monkeypatch.setattr("quota.metrics.TOP_NAMESPACES", 1)
    NamespaceSize.objects.update_or_create(namespace=alice.namespace, defaults={"total_bytes": 5})
    NamespaceSize.objects.update_or_create(namespace=bob.namespace, defaults={"total_bytes": 7})
    assert _gauges()["quay_quota_namespace_bytes"] == {"bob": 7}
