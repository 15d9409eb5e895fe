"""/metrics scraped from the real server (two gunicorn workers, multiprocess mode) and parsed with
prometheus_client's own parser: a podman push and pull move the counters by what they did."""

from __future__ import annotations

import secrets
import urllib.request
from typing import TYPE_CHECKING

import pytest
from prometheus_client.parser import text_string_to_metric_families

if TYPE_CHECKING:
    from tests.e2e.conftest import ContainerTools, RegistryServer

pytestmark = pytest.mark.e2e

LAYER = 1024 * 1024
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _scrape(server: RegistryServer) -> Samples:
    with urllib.request.urlopen(f"{server.url}/metrics", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/plain")
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def _summed(samples: Samples, name: str, **labels: str) -> float:
    wanted = set(labels.items())
    return sum(value for (sample, found), value in samples.items() if sample == name and wanted <= set(found))


def test_a_push_and_a_pull_move_the_counters_by_what_they_did(
    registry_server: RegistryServer, alice_tools: ContainerTools
) -> None:
    alice_tools.image_build("metered:1", [secrets.token_bytes(LAYER)])
    before = _scrape(registry_server)
    alice_tools.push("metered:1", "alice/metered:1")
    alice_tools.run("podman", "rmi", "--all", "--force")
    alice_tools.run("podman", "pull", "--tls-verify=false", f"{alice_tools.registry}/alice/metered:1")
    after = _scrape(registry_server)

    def grew(name: str) -> float:
        return _value(after, name) - _value(before, name)

    assert grew("quay_registry_pushes_total") == 1
    assert grew("quay_registry_pulls_total") >= 1
    # The layer and the config blob, each way.
    assert LAYER < grew("quay_registry_blob_pushed_bytes_total") < LAYER + 64 * 1024
    assert LAYER < grew("quay_registry_blob_pulled_bytes_total") < LAYER + 64 * 1024
    put_manifest = {"endpoint": "v2_manifest", "method": "PUT", "status": "201"}
    assert (
        _value(after, "quay_http_requests_total", **put_manifest)
        - _value(before, "quay_http_requests_total", **put_manifest)
        == 1
    )
    latency_count = "quay_http_request_duration_seconds_count"
    assert _value(after, latency_count, endpoint="v2_upload") > _value(
        before, latency_count, endpoint="v2_upload"
    )
    assert ("quay_registry_uploads_open", ()) in after
    assert _summed(after, "quay_database_connections") >= 1
    assert {"default", "gc"} <= {
        dict(labels)["queue"] for name, labels in after if name == "quay_job_queue_depth"
    }
    assert _summed(after, "quay_metrics_collector_failed") == 0
