"""The security worker with the built-in scanner, over images pushed through /v2/: exact
findings per ecosystem through Quay's API, layer results reused across images, matching again
after an import, vulnerability_found deliveries, and bad layers failing alone."""

from __future__ import annotations

import pytest

from notifications.models import Delivery
from notifications.services import notification_create
from secscan.models import LayerIndex, ManifestSecurity
from secscan.vulndata import vulndata_import
from secscan.worker import security_worker_run
from tests.registry.pushing import digest_of, push_image
from tests.secscan.conftest import image_push
from tests.secscan.images import (
    ALPINE_FINDINGS,
    ALPINE_IMAGE,
    DEBIAN_BASE,
    DEBIAN_FINDINGS,
    LANGUAGE_LAYER,
    OSV_FIXTURE,
    ROCKY_FINDINGS,
    ROCKY_IMAGE,
    WHITEOUT_LAYER_DELETES,
    findings,
    layer_tar,
)

pytestmark = pytest.mark.django_db

DEBIAN_LAYERS = [
    layer_tar(DEBIAN_BASE),
    layer_tar(LANGUAGE_LAYER),
    layer_tar({}, whiteouts=(WHITEOUT_LAYER_DELETES,)),
]


def _security(alice_client, repository: str, digest: str, **query: str) -> dict:
    response = alice_client.get(f"/api/v1/repository/{repository}/manifest/{digest}/security", query)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_pushed_image_is_queued_until_the_worker_scans_it(as_alice, alice_client, osv_imported):
    manifest = image_push(as_alice, "alice/app", "1", DEBIAN_LAYERS)
    assert _security(alice_client, "alice/app", manifest.digest) == {"status": "queued", "data": None}
    run = security_worker_run()
    assert (run.scanned, run.failed, run.layers_indexed) == (1, 0, 3)
    body = _security(alice_client, "alice/app", manifest.digest, vulnerabilities="true")
    assert body["status"] == "scanned"
    assert body["data"]["Layer"]["Name"] == manifest.digest
    assert findings(body["data"]["Layer"]["Features"]) == DEBIAN_FINDINGS


def test_a_feature_carries_quays_fields(as_alice, alice_client, osv_imported):
    manifest = image_push(as_alice, "alice/app", "1", DEBIAN_LAYERS)
    security_worker_run()
    features = _security(alice_client, "alice/app", manifest.digest, vulnerabilities="true")["data"]["Layer"][
        "Features"
    ]
    requests = next(f for f in features if f["Name"] == "requests")
    assert (requests["VersionFormat"], requests["NamespaceName"]) == ("pep440", "PyPI")
    assert requests["AddedBy"] == digest_of(DEBIAN_LAYERS[1])
    [vulnerability] = requests["Vulnerabilities"]
    assert vulnerability["Link"] == "https://example.invalid/requests"
    assert vulnerability["Description"] == "requests: a test flaw fixed in 2.32.0"
    openssl = next(f for f in features if f["Name"] == "openssl")
    assert (openssl["VersionFormat"], openssl["NamespaceName"]) == ("dpkg", "Debian:12")


def test_without_vulnerabilities_query_the_features_come_without_them(as_alice, alice_client, osv_imported):
    manifest = image_push(as_alice, "alice/app", "1", DEBIAN_LAYERS)
    security_worker_run()
    features = _security(alice_client, "alice/app", manifest.digest)["data"]["Layer"]["Features"]
    assert [f["Name"] for f in features][:2] == ["Jinja2", "bash"]
    assert all("Vulnerabilities" not in f for f in features)


@pytest.mark.parametrize(
    ("files", "expected"), [(ALPINE_IMAGE, ALPINE_FINDINGS), (ROCKY_IMAGE, ROCKY_FINDINGS)]
)
def test_apk_and_rpm_images_match_their_distribution_advisories(
    as_alice, alice_client, osv_imported, files, expected
):
    manifest = image_push(as_alice, "alice/distro", "1", [layer_tar(files)])
    security_worker_run()
    body = _security(alice_client, "alice/distro", manifest.digest, vulnerabilities="true")
    assert findings(body["data"]["Layer"]["Features"]) == expected


def test_a_second_image_sharing_the_base_reuses_its_layer_result(as_alice, osv_imported):
    image_push(as_alice, "alice/app", "1", DEBIAN_LAYERS[:2])
    assert security_worker_run().layers_indexed == 2
    image_push(as_alice, "alice/other", "1", [DEBIAN_LAYERS[0], layer_tar({"srv/x": b"other"})])
    run = security_worker_run()
    assert (run.layers_indexed, run.layers_reused) == (1, 1)
    assert LayerIndex.objects.count() == 3


def test_new_data_matches_scanned_images_again_and_tells_new_findings(as_alice, alice):
    manifest = image_push(as_alice, "alice/app", "1", DEBIAN_LAYERS)
    notification_create(
        namespace=manifest.repository.namespace,
        repository=manifest.repository,
        event="vulnerability_found",
        method="webhook",
        config={"url": "http://hooks.example.com/"},
        event_config={"level": "High"},
        actor=alice,
    )
    security_worker_run()
    row = ManifestSecurity.objects.get(manifest=manifest)
    assert row.data_generation == 0
    assert not any(feature["Vulnerabilities"] for feature in row.features)
    vulndata_import(path=OSV_FIXTURE)
    assert security_worker_run().rematched == 1
    row.refresh_from_db()
    assert findings(row.features) == DEBIAN_FINDINGS
    # The notification's level High keeps the Medium requests finding out: openssl twice, lodash.
    payloads = sorted(
        (d.payload["vulnerability"]["package"], d.payload["vulnerability"]["id"])
        for d in Delivery.objects.all()
    )
    assert payloads == [
        ("libssl3", "DSA-TEST-0001"),
        ("lodash", "GHSA-test-0007"),
        ("openssl", "DSA-TEST-0001"),
    ]
    payload = Delivery.objects.order_by("pk")[0].payload
    assert (payload["repository"], payload["tags"]) == ("alice/app", ["1"])
    assert set(payload["vulnerability"]) >= {"id", "description", "link", "priority", "has_fix"}
    # Matching again with nothing new tells nothing again.
    vulndata_import(path=OSV_FIXTURE)
    assert security_worker_run().rematched == 1
    assert Delivery.objects.count() == 3


def test_a_corrupt_layer_fails_its_manifest_with_the_reason_and_the_worker_goes_on(
    as_alice, alice_client, osv_imported
):
    bad = image_push(as_alice, "alice/bad", "1", [b"\x1f\x8b\x08\x00" + b"not really gzip" * 50])
    good = image_push(as_alice, "alice/good", "1", [layer_tar(ALPINE_IMAGE)])
    run = security_worker_run()
    assert (run.scanned, run.failed) == (1, 1)
    body = _security(alice_client, "alice/bad", bad.digest)
    assert body == {"status": "failed", "data": None}
    assert "corrupt gzip stream" in ManifestSecurity.objects.get(manifest=bad).reason
    assert _security(alice_client, "alice/good", good.digest)["status"] == "scanned"


def test_an_index_is_unsupported(as_alice, alice_client):
    from tests.registry.pushing import index_manifest, push_manifest

    digest, child = push_image(as_alice, "alice/multi", "amd64")
    response = push_manifest(
        as_alice,
        "alice/multi",
        "all",
        index_manifest([(digest, child, "amd64")]),
        "application/vnd.oci.image.index.v1+json",
    )
    assert response.status_code == 201, response.content
    assert (
        _security(alice_client, "alice/multi", response["Docker-Content-Digest"])["status"] == "unsupported"
    )


def test_a_stranger_cannot_read_a_private_manifests_security(as_alice, bob_client, osv_imported):
    manifest = image_push(as_alice, "alice/app", "1", DEBIAN_LAYERS[:1])
    response = bob_client.get(f"/api/v1/repository/alice/app/manifest/{manifest.digest}/security")
    assert response.status_code in (403, 404)
    assert "error_message" in response.json()


def test_an_unknown_manifest_is_a_404(as_alice, alice_client):
    image_push(as_alice, "alice/app", "1", DEBIAN_LAYERS[:1])
    response = alice_client.get("/api/v1/repository/alice/app/manifest/sha256:" + "0" * 64 + "/security")
    assert response.status_code == 404


def test_images_pushed_while_scanning_was_off_are_queued_and_scanned_later(as_alice, settings, osv_imported):
    settings.FEATURE_SECURITY_SCANNER = False
    manifest = image_push(as_alice, "alice/early", "1", [layer_tar(ALPINE_IMAGE)])
    assert not ManifestSecurity.objects.filter(manifest=manifest).exists()
    assert security_worker_run().scanned == 0
    settings.FEATURE_SECURITY_SCANNER = True
    assert security_worker_run().scanned == 1
    assert findings(ManifestSecurity.objects.get(manifest=manifest).features) == ALPINE_FINDINGS


def test_a_bad_vulnerabilities_flag_is_a_400_in_quays_error_format(as_alice, alice_client):
    manifest = image_push(as_alice, "alice/app", "1", DEBIAN_LAYERS[:1])
    response = alice_client.get(
        f"/api/v1/repository/alice/app/manifest/{manifest.digest}/security", {"vulnerabilities": "maybe"}
    )
    assert response.status_code == 400
    assert {"status", "error_type", "detail", "error_message"} <= set(response.json())


def test_with_scanning_off_the_endpoint_is_absent(as_alice, alice_client, settings):
    manifest = image_push(as_alice, "alice/app", "1", DEBIAN_LAYERS[:1])
    settings.FEATURE_SECURITY_SCANNER = False
    response = alice_client.get(f"/api/v1/repository/alice/app/manifest/{manifest.digest}/security")
    assert response.status_code == 404
