"""Prometheus metrics: what the processes count, and what a scrape reads from the database.

Counters and histograms are observed where things happen (a request, a stored blob, a job) and
kept per process; under gunicorn `make run` sets ``PROMETHEUS_MULTIPROC_DIR`` before anything
imports prometheus_client, so each worker writes its values to a file there and a scrape of any
worker adds them all up. Gauges of the registry's state (open uploads, queue depths, GC totals,
mirrors, the largest namespaces, database connections) are read at scrape time by the collectors
the apps register in ``scrape_collectors`` from their AppConfig.ready(), as quaysite knows no app.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Iterator

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

# A *_created series per counter doubles the scrape for a value nobody graphs.
disable_created_metrics()

HTTP_REQUESTS = Counter(
    "quay_http_requests_total",
    "HTTP requests answered, by endpoint class, method and status.",
    ["endpoint", "method", "status"],
)
HTTP_REQUEST_SECONDS = Histogram(
    "quay_http_request_duration_seconds",
    "Time to the response's headers (a streamed body not included), by endpoint class.",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
PUSHES = Counter("quay_registry_pushes_total", "Manifests pushed (PUT answered 201).")
PULLS = Counter("quay_registry_pulls_total", "Manifests pulled (GET answered 200).")
BLOB_BYTES_PUSHED = Counter("quay_registry_blob_pushed_bytes_total", "Bytes of blob uploads completed.")
BLOB_BYTES_PULLED = Counter("quay_registry_blob_pulled_bytes_total", "Bytes of blobs served (GET).")
JOB_SECONDS = Histogram(
    "quay_job_duration_seconds",
    "Background jobs' run time, by function and outcome.",
    ["func", "outcome"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600),
)

logger = logging.getLogger(__name__)

# Collectors of state read at scrape time; an app appends its own in AppConfig.ready().
scrape_collectors: list[Collector] = []


def collector_register(collector: Collector) -> None:
    """Adds an app's collector once (ready() may run more than once in a process)."""
    if not any(type(known) is type(collector) for known in scrape_collectors):
        scrape_collectors.append(collector)


_V2_CLASSES = (
    (re.compile(r"^/v2/?$"), "v2_base"),
    (re.compile(r"^/v2/auth$"), "v2_auth"),
    (re.compile(r"^/v2/_catalog$"), "v2_catalog"),
    (re.compile(r"/blobs/uploads/"), "v2_upload"),
    (re.compile(r"/blobs/"), "v2_blob"),
    (re.compile(r"/manifests/"), "v2_manifest"),
    (re.compile(r"/tags/list$"), "v2_tags"),
    (re.compile(r"/referrers/"), "v2_referrers"),
)
_PREFIX_CLASSES = (
    ("/api/v1/", "api"),
    ("/oauth/", "oauth"),
    ("/admin/", "admin"),
    ("/static/", "static"),
    ("/health/", "health"),
    ("/metrics", "metrics"),
)


def endpoint_class(path: str) -> str:
    """A bounded label for a path: the kind of endpoint, never the repository or digest in it."""
    if path.startswith("/v2/") or path == "/v2":
        for pattern, name in _V2_CLASSES:
            if pattern.search(path):
                return name
        return "v2_other"
    for prefix, name in _PREFIX_CLASSES:
        if path.startswith(prefix):
            return name
    return "web"


class _Registered(Collector):
    """This process's own metrics, inside a registry built per scrape."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


class _AppCollectors(Collector):
    """The apps' collectors; one that fails (its database away) costs only its own gauges."""

    def collect(self) -> Iterator[Metric]:
        failed = GaugeMetricFamily(
            "quay_metrics_collector_failed", "1 when a collector failed in this scrape.", labels=["collector"]
        )
        for collector in scrape_collectors:
            name = type(collector).__name__
            try:
                metrics = list(collector.collect())
            except Exception:
                logger.exception("the metrics collector %s failed", name)
                failed.add_metric([name], 1.0)
                continue
            failed.add_metric([name], 0.0)
            yield from metrics
        yield failed


def metrics_exposition() -> bytes:
    """The text format of every metric: the processes' counters and the state read now."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Registered())
    registry.register(_AppCollectors())
    return generate_latest(registry)
