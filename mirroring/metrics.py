"""Mirrors by sync status and the running syncs' progress, read at each /metrics scrape."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from mirroring.models import RepositoryMirror
from mirroring.selectors import mirror_progress_syncing, mirror_status_counts


class MirrorCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        counts = mirror_status_counts()
        mirrors = GaugeMetricFamily(
            "quay_mirror_repositories", "Mirrored repositories by sync status.", labels=["status"]
        )
        for status in RepositoryMirror.SyncStatus.values:
            mirrors.add_metric([status], counts.get(status, 0))
        yield mirrors
        tags, copied = mirror_progress_syncing()
        yield GaugeMetricFamily(
            "quay_mirror_syncing_tags", "Tags the running syncs have synced so far.", value=tags
        )
        yield GaugeMetricFamily(
            "quay_mirror_syncing_copied_bytes", "Bytes the running syncs have copied so far.", value=copied
        )
