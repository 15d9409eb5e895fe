"""Manifest push and pull, content negotiation, references, deletes and referrers."""

from __future__ import annotations

import json
import os

import pytest

from registry.manifest_formats import DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST
from registry.models import Manifest, Repository, Tag
from tests.registry.pushing import (
    CONFIG_TYPE,
    descriptor,
    digest_of,
    image_manifest,
    index_manifest,
    push_blob,
    push_image,
    push_manifest,
)

pytestmark = pytest.mark.django_db
REPO = "alice/app"
PUSH = f"repository:{REPO}:push,pull"
ADMIN = f"repository:{REPO}:push,pull,delete"


def test_pull_by_tag_returns_the_exact_pushed_bytes(as_alice):
    digest, manifest = push_image(as_alice, REPO, "v1")
    response = as_alice.call("GET", f"/v2/{REPO}/manifests/v1", scope=PUSH, HTTP_ACCEPT=OCI_MANIFEST)
    assert response.status_code == 200
    assert response.content == manifest
    assert response["Content-Type"] == OCI_MANIFEST
    assert response["Docker-Content-Digest"] == digest == digest_of(manifest)


def test_pull_by_digest_and_head_name_the_content(as_alice):
    digest, manifest = push_image(as_alice, REPO, "v1")
    by_digest = as_alice.call("GET", f"/v2/{REPO}/manifests/{digest}", scope=PUSH)
    assert by_digest.content == manifest
    head = as_alice.call("HEAD", f"/v2/{REPO}/manifests/v1", scope=PUSH)
    assert head.status_code == 200
    assert head.content == b""
    assert head["Content-Length"] == str(len(manifest))
    assert head["Docker-Content-Digest"] == digest


def test_docker_schema2_manifest_round_trips(as_alice):
    config = b'{"architecture":"amd64","os":"linux"}'
    layer = os.urandom(64)
    push_blob(as_alice, REPO, config)
    push_blob(as_alice, REPO, layer)
    body = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": DOCKER_MANIFEST,
            "config": descriptor("application/vnd.docker.container.image.v1+json", config),
            "layers": [descriptor("application/vnd.docker.image.rootfs.diff.tar.gzip", layer)],
        },
        indent=3,
    ).encode()
    assert push_manifest(as_alice, REPO, "docker", body, DOCKER_MANIFEST).status_code == 201
    response = as_alice.call("GET", f"/v2/{REPO}/manifests/docker", scope=PUSH, HTTP_ACCEPT=DOCKER_MANIFEST)
    assert response.content == body
    assert response["Content-Type"] == DOCKER_MANIFEST


def test_manifest_with_a_missing_layer_is_refused_and_stores_nothing(as_alice):
    config = b"{}"
    push_blob(as_alice, REPO, config)
    response = push_manifest(as_alice, REPO, "v1", image_manifest(config, [b"never pushed"]))
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "MANIFEST_BLOB_UNKNOWN"
    assert not Manifest.objects.exists()
    assert not Tag.objects.exists()


def test_manifest_naming_a_blob_only_another_repository_holds_is_refused(as_alice):
    config, layer = b"{}", b"layer elsewhere"
    push_blob(as_alice, "alice/other", layer)
    push_blob(as_alice, REPO, config)
    response = push_manifest(as_alice, REPO, "v1", image_manifest(config, [layer]))
    assert response.json()["errors"][0]["code"] == "MANIFEST_BLOB_UNKNOWN"


def test_index_with_a_missing_child_is_refused(as_alice):
    child_digest, child = push_image(as_alice, REPO, "amd")
    body = index_manifest([(child_digest, child, "amd64"), (digest_of(b"ghost"), b"ghost", "arm64")])
    response = push_manifest(as_alice, REPO, "multi", body, OCI_INDEX)
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "MANIFEST_UNKNOWN"
    assert not Manifest.objects.filter(media_type=OCI_INDEX).exists()


def test_index_pushes_and_old_clients_get_the_amd64_image(as_alice):
    amd_digest, amd = push_image(as_alice, REPO, "amd", arch="amd64")
    arm_digest, arm = push_image(as_alice, REPO, "arm", arch="arm64")
    body = index_manifest([(arm_digest, arm, "arm64"), (amd_digest, amd, "amd64")])
    assert push_manifest(as_alice, REPO, "multi", body, OCI_INDEX).status_code == 201
    full = as_alice.call(
        "GET", f"/v2/{REPO}/manifests/multi", scope=PUSH, HTTP_ACCEPT=f"{OCI_INDEX}, {OCI_MANIFEST}"
    )
    assert full.content == body
    single = as_alice.call("GET", f"/v2/{REPO}/manifests/multi", scope=PUSH, HTTP_ACCEPT=OCI_MANIFEST)
    assert single["Docker-Content-Digest"] == amd_digest
    assert single.content == amd


def test_unacceptable_media_type_answers_manifest_unknown(as_alice):
    push_image(as_alice, REPO, "v1")
    response = as_alice.call("GET", f"/v2/{REPO}/manifests/v1", scope=PUSH, HTTP_ACCEPT=DOCKER_MANIFEST)
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "MANIFEST_UNKNOWN"


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"schemaVersion": 1}',
        b'{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "layers": []}',
        b'{"schemaVersion": 2, "config": {"mediaType": "x", "digest": "sha256:../x", "size": 1}, "layers": 0}',  # noqa: E501
        b'{"schemaVersion": 2, "config": {"mediaType": "x", "digest": "sha256:ab", "size": -1}, "layers": 0}',
        b'{"schemaVersion": 2, "mediaType": "application/vnd.example+json", "layers": []}',
    ],
)
def test_malformed_manifest_is_refused_as_manifest_invalid(as_alice, body):
    response = push_manifest(as_alice, REPO, "bad", body, "application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "MANIFEST_INVALID"
    assert not Manifest.objects.exists()


def test_content_type_contradicting_the_body_is_refused(as_alice):
    config = b"{}"
    push_blob(as_alice, REPO, config)
    response = push_manifest(as_alice, REPO, "v1", image_manifest(config, []), DOCKER_MANIFEST)
    assert response.json()["errors"][0]["code"] == "MANIFEST_INVALID"


def test_oversized_manifest_answers_413(as_alice, settings):
    settings.REGISTRY_MAX_MANIFEST_SIZE = 1000
    response = push_manifest(as_alice, REPO, "big", b"{" + b" " * 2000 + b"}")
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "SIZE_INVALID"


def test_push_by_wrong_digest_is_refused(as_alice):
    config = b"{}"
    push_blob(as_alice, REPO, config)
    response = push_manifest(as_alice, REPO, digest_of(b"other"), image_manifest(config, []))
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "DIGEST_INVALID"


def test_invalid_tag_is_refused(as_alice):
    config = b"{}"
    push_blob(as_alice, REPO, config)
    response = push_manifest(as_alice, REPO, "-bad", image_manifest(config, []))
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "TAG_INVALID"


def test_moving_a_tag_ends_the_old_row_and_starts_a_new_one(as_alice):
    first, _ = push_image(as_alice, REPO, "latest")
    second, _ = push_image(as_alice, REPO, "latest")
    rows = list(Tag.objects.filter(name="latest").order_by("start").values_list("manifest__digest", "end"))
    assert [digest for digest, _ in rows] == [first, second]
    assert rows[0][1] is not None and rows[1][1] is None
    assert as_alice.call("GET", f"/v2/{REPO}/manifests/latest", scope=PUSH)["Docker-Content-Digest"] == second


def test_delete_by_tag_removes_only_the_tag(as_alice):
    digest, _ = push_image(as_alice, REPO, "v1")
    assert as_alice.call("DELETE", f"/v2/{REPO}/manifests/v1", scope=ADMIN).status_code == 202
    assert as_alice.call("GET", f"/v2/{REPO}/manifests/v1", scope=PUSH).status_code == 404
    assert as_alice.call("GET", f"/v2/{REPO}/manifests/{digest}", scope=PUSH).status_code == 200


def test_delete_by_digest_stops_serving_the_manifest_and_its_tags(as_alice):
    digest, _ = push_image(as_alice, REPO, "v1")
    assert as_alice.call("DELETE", f"/v2/{REPO}/manifests/{digest}", scope=ADMIN).status_code == 202
    assert as_alice.call("GET", f"/v2/{REPO}/manifests/{digest}", scope=PUSH).status_code == 404
    assert as_alice.call("GET", f"/v2/{REPO}/manifests/v1", scope=PUSH).status_code == 404


def test_delete_needs_the_delete_scope(as_alice):
    digest, _ = push_image(as_alice, REPO, "v1")
    response = as_alice.call("DELETE", f"/v2/{REPO}/manifests/{digest}", scope=PUSH)
    assert response.status_code == 401
    assert Manifest.objects.filter(digest=digest).exists()


def _artifact(registry, subject_digest: str, subject: bytes, artifact_type: str) -> str:
    empty = b"{}"
    payload = os.urandom(32)
    push_blob(registry, REPO, empty)
    push_blob(registry, REPO, payload)
    body = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": artifact_type,
            "config": descriptor("application/vnd.oci.empty.v1+json", empty),
            "layers": [descriptor("application/octet-stream", payload)],
            "subject": {"mediaType": OCI_MANIFEST, "digest": subject_digest, "size": len(subject)},
            "annotations": {"org.example.kind": artifact_type},
        }
    ).encode()
    response = push_manifest(registry, REPO, digest_of(body), body)
    assert response.status_code == 201
    assert response["OCI-Subject"] == subject_digest
    return digest_of(body)


def test_referrers_lists_artifacts_and_filters_by_type(as_alice):
    subject_digest, subject = push_image(as_alice, REPO, "v1")
    sbom = _artifact(as_alice, subject_digest, subject, "application/spdx+json")
    signature = _artifact(
        as_alice, subject_digest, subject, "application/vnd.dev.cosign.simplesigning.v1+json"
    )
    everything = as_alice.call("GET", f"/v2/{REPO}/referrers/{subject_digest}", scope=PUSH)
    assert everything.status_code == 200
    assert everything["Content-Type"] == OCI_INDEX
    assert {m["digest"] for m in everything.json()["manifests"]} == {sbom, signature}
    filtered = as_alice.call(
        "GET", f"/v2/{REPO}/referrers/{subject_digest}?artifactType=application/spdx%2Bjson", scope=PUSH
    )
    assert filtered["OCI-Filters-Applied"] == "artifactType"
    [only] = filtered.json()["manifests"]
    assert only["digest"] == sbom
    assert only["artifactType"] == "application/spdx+json"
    assert only["annotations"] == {"org.example.kind": "application/spdx+json"}


def test_referrers_of_an_unknown_subject_is_an_empty_index(as_alice):
    push_image(as_alice, REPO, "v1")
    response = as_alice.call("GET", f"/v2/{REPO}/referrers/{digest_of(b'none')}", scope=PUSH)
    assert response.status_code == 200
    assert response.json() == {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []}


def test_artifact_with_custom_config_type_is_listed_with_that_type(as_alice):
    subject_digest, _ = push_image(as_alice, REPO, "v1")
    config, layer = b'{"kind":"helm"}', b"chart bytes"
    push_blob(as_alice, REPO, config)
    push_blob(as_alice, REPO, layer)
    body = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": descriptor("application/vnd.cncf.helm.config.v1+json", config),
            "layers": [descriptor("application/vnd.cncf.helm.chart.content.v1.tar+gzip", layer)],
            "subject": {"mediaType": OCI_MANIFEST, "digest": subject_digest, "size": 1},
        }
    ).encode()
    assert push_manifest(as_alice, REPO, "chart", body).status_code == 201
    [entry] = as_alice.call("GET", f"/v2/{REPO}/referrers/{subject_digest}", scope=PUSH).json()["manifests"]
    assert entry["artifactType"] == "application/vnd.cncf.helm.config.v1+json"
    assert CONFIG_TYPE != entry["artifactType"]


def test_refused_manifest_leaves_no_new_repository(as_alice):
    response = push_manifest(as_alice, "alice/never", "v1", image_manifest(b"{}", [b"missing"]))
    assert response.json()["errors"][0]["code"] == "MANIFEST_BLOB_UNKNOWN"
    assert not Repository.objects.filter(name="never").exists()
