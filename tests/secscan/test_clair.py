"""The Clair v4 scanner against a real HTTP server speaking Clair's documented shapes: the
index request Quay sends (the manifest's digest, each layer's URL and the headers that fetch it),
the pre-shared-key JWT, and the vulnerability report turned into Quay's Features."""

from __future__ import annotations

import base64

import pytest

from secscan.models import ManifestSecurity
from secscan.scanners import scanner_configured
from secscan.worker import security_worker_run
from tests.registry.pushing import digest_of
from tests.secscan.clair_server import clair_running
from tests.secscan.conftest import image_push
from tests.secscan.images import DEBIAN_BASE, findings, layer_tar

pytestmark = pytest.mark.django_db

LAYER = layer_tar(DEBIAN_BASE)


@pytest.fixture
def clair(settings):
    with clair_running() as server:
        settings.SECURITY_SCANNER_V4_ENDPOINT = server.url
        settings.SECURITY_SCANNER_V4_PSK = server.psk
        # The layer URLs' tokens are for this host, as the test client's registry is.
        settings.SERVER_HOSTNAME = "testserver"
        scanner_configured.cache_clear()
        yield server


def test_clair_indexes_the_manifest_and_its_report_becomes_quays_features(as_alice, alice_client, clair):
    manifest = image_push(as_alice, "alice/app", "1", [LAYER])
    run = security_worker_run()
    assert (run.scanned, run.failed) == (1, 0)
    [sent] = clair.indexed
    assert sent["hash"] == manifest.digest
    assert [layer["hash"] for layer in sent["layers"]] == [digest_of(LAYER)]
    body = alice_client.get(
        f"/api/v1/repository/alice/app/manifest/{manifest.digest}/security", {"vulnerabilities": "true"}
    ).json()
    assert body["status"] == "scanned"
    assert findings(body["data"]["Layer"]["Features"]) == [
        ("bash", "5.2.15-2+b2", []),
        ("openssl", "3.0.11-1~deb12u1", [("CVE-2026-0001", "High", "3.0.11-1~deb12u2")]),
    ]
    assert body["data"]["Layer"]["Features"][1]["AddedBy"] == digest_of(LAYER)
    assert ManifestSecurity.objects.get(manifest=manifest).scanner == "clairv4"


def test_the_layer_url_and_headers_sent_to_clair_fetch_the_layer(as_alice, client, clair):
    image_push(as_alice, "alice/app", "1", [LAYER])
    security_worker_run()
    [layer] = clair.indexed[0]["layers"]
    assert layer["uri"].startswith("http://testserver/v2/alice/app/blobs/")
    [authorization] = layer["headers"]["Authorization"]
    response = client.get(layer["uri"].removeprefix("http://testserver"), HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == LAYER


def test_a_manifest_clair_cannot_index_is_failed_with_its_error(as_alice, clair):
    manifest = image_push(as_alice, "alice/app", "1", [LAYER])
    clair.failing.add(manifest.digest)
    assert security_worker_run().failed == 1
    row = ManifestSecurity.objects.get(manifest=manifest)
    assert (row.status, row.reason) == (
        "failed",
        "Clair could not index the manifest: fetching layer: connection refused",
    )


def test_a_wrong_pre_shared_key_is_refused_and_the_manifest_stays_queued(as_alice, settings, clair):
    settings.SECURITY_SCANNER_V4_PSK = base64.b64encode(b"not-the-pre-shared-key-at-all-32b").decode()
    scanner_configured.cache_clear()
    manifest = image_push(as_alice, "alice/app", "1", [LAYER])
    run = security_worker_run()
    assert (run.scanned, run.retried, clair.refused) == (0, 1, 1)
    row = ManifestSecurity.objects.get(manifest=manifest)
    assert row.status == "queued"
    assert "401" in row.reason
