"""The largest namespaces' stored bytes and quotas, as gauges read at each /metrics scrape."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from quota.selectors import namespace_sizes_largest

# A label per namespace: only the largest few, so a registry of many namespaces stays one scrape.
TOP_NAMESPACES = 20


class NamespaceQuotaCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        stored = GaugeMetricFamily(
            "quay_quota_namespace_bytes",
            f"Bytes stored by the {TOP_NAMESPACES} largest namespaces.",
            labels=["namespace"],
        )
        limits = GaugeMetricFamily(
            "quay_quota_namespace_limit_bytes",
            "Those namespaces' quota limits, where set.",
            labels=["namespace"],
        )
        for name, total, limit in namespace_sizes_largest(limit=TOP_NAMESPACES):
            stored.add_metric([name], total)
            if limit is not None:
                limits.add_metric([name], limit)
        yield stored
        yield limits
