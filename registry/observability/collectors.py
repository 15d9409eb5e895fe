"""The registry's state as Prometheus gauges, read at each scrape (quaysite.metrics)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from registry.selectors.metrics import database_connections_by_state, gc_totals, uploads_open_count


class RegistryStateCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "quay_registry_uploads_open", "Blob upload sessions in progress.", value=uploads_open_count()
        )
        totals = gc_totals()
        runs = CounterMetricFamily("quay_gc_runs", "GC runs recorded, by state.", labels=["state"])
        runs.add_metric(["finished"], totals.runs_finished)
        runs.add_metric(["unfinished"], totals.runs_unfinished)
        yield runs
        for name, help_text, value in (
            ("quay_gc_blobs_deleted", "Blobs GC deleted.", totals.blobs_deleted),
            ("quay_gc_reclaimed_bytes", "Bytes GC reclaimed from storage.", totals.bytes_reclaimed),
            ("quay_gc_manifests_deleted", "Manifests GC deleted.", totals.manifests_deleted),
            ("quay_gc_tags_deleted", "Tag rows GC deleted.", totals.tags_deleted),
            ("quay_gc_storage_errors", "Storage deletions GC could not make.", totals.storage_errors),
        ):
            yield CounterMetricFamily(name, help_text, value=value)
        if totals.last_finished is not None:
            yield GaugeMetricFamily(
                "quay_gc_last_finished_timestamp_seconds",
                "When the latest GC run finished (Unix time).",
                value=totals.last_finished,
            )
        connections = GaugeMetricFamily(
            "quay_database_connections",
            "PostgreSQL connections to the registry's database, by state (all instances).",
            labels=["state"],
        )
        for state, count in sorted(database_connections_by_state().items()):
            connections.add_metric([state], count)
        yield connections
