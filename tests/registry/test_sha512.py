"""sha512 content: blobs (monolithic, chunked, with and without ?digest-algorithm=), manifests by
digest, HEAD/GET/DELETE, mounts and referrers, as for sha256."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from registry.models import Blob, BlobUpload, RepositoryBlob
from registry.storage.paths import blob_path
from tests.registry.pushing import CONFIG_TYPE, LAYER_TYPE, push_manifest

pytestmark = pytest.mark.django_db
REPO = "alice/app"
PUSH = f"repository:{REPO}:push,pull"


def sha512(data: bytes) -> str:
    return "sha512:" + hashlib.sha512(data).hexdigest()


def push_blob512(registry, data: bytes, repository: str = REPO) -> str:
    digest = sha512(data)
    response = registry.call(
        "POST",
        f"/v2/{repository}/blobs/uploads/?digest={digest}",
        scope=f"repository:{repository}:push,pull",
        data=data,
    )
    assert response.status_code == 201, response.content
    assert response["Docker-Content-Digest"] == digest
    return digest


def test_monolithic_sha512_blob_pulls_back_with_head_get_and_delete(as_alice, isolated_storage):
    data = os.urandom(5000)
    digest = push_blob512(as_alice, data)
    assert (isolated_storage / blob_path(digest)).read_bytes() == data
    head = as_alice.call("HEAD", f"/v2/{REPO}/blobs/{digest}", scope=PUSH)
    assert head.status_code == 200
    assert head["Content-Length"] == "5000"
    got = as_alice.call("GET", f"/v2/{REPO}/blobs/{digest}", scope=PUSH)
    assert b"".join(got.streaming_content) == data
    deleted = as_alice.call("DELETE", f"/v2/{REPO}/blobs/{digest}", scope=f"repository:{REPO}:delete")
    assert deleted.status_code == 202
    assert as_alice.call("HEAD", f"/v2/{REPO}/blobs/{digest}", scope=PUSH).status_code == 404


def test_chunked_upload_named_sha512_runs_a_resumable_sha512(as_alice):
    data = os.urandom(10_000)
    start = as_alice.call("POST", f"/v2/{REPO}/blobs/uploads/?digest-algorithm=sha512", scope=PUSH)
    assert start.status_code == 202
    location = start["Location"]
    as_alice.call("PATCH", location, scope=PUSH, data=data[:4000], HTTP_CONTENT_RANGE="0-3999")
    upload = BlobUpload.objects.get()
    assert upload.digest_algorithm == "sha512"
    assert upload.hash_state is not None and len(upload.hash_state) == 216
    as_alice.call("PATCH", location, scope=PUSH, data=data[4000:], HTTP_CONTENT_RANGE="4000-9999")
    done = as_alice.call("PUT", f"{location}?digest={sha512(data)}", scope=PUSH)
    assert done.status_code == 201, done.content
    assert Blob.objects.get().digest == sha512(data)


def test_chunked_upload_closed_with_an_unannounced_sha512_digest_is_checked(as_alice):
    data = os.urandom(3000)
    location = as_alice.call("POST", f"/v2/{REPO}/blobs/uploads/", scope=PUSH)["Location"]
    as_alice.call("PATCH", location, scope=PUSH, data=data[:1000])
    wrong = as_alice.call("PUT", f"{location}?digest={sha512(b'other')}", scope=PUSH, data=data[1000:])
    assert wrong.status_code == 400
    location = as_alice.call("POST", f"/v2/{REPO}/blobs/uploads/", scope=PUSH)["Location"]
    as_alice.call("PATCH", location, scope=PUSH, data=data[:1000])
    done = as_alice.call("PUT", f"{location}?digest={sha512(data)}", scope=PUSH, data=data[1000:])
    assert done.status_code == 201, done.content


def test_unknown_digest_algorithm_is_refused(as_alice):
    response = as_alice.call("POST", f"/v2/{REPO}/blobs/uploads/?digest-algorithm=md5", scope=PUSH)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "DIGEST_INVALID"


def _manifest(config: bytes, layer: bytes, **extra: object) -> bytes:
    body = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": CONFIG_TYPE, "digest": sha512(config), "size": len(config)},
        "layers": [{"mediaType": LAYER_TYPE, "digest": sha512(layer), "size": len(layer)}],
        **extra,
    }
    return json.dumps(body).encode()


def test_manifest_by_sha512_digest_with_sha512_blobs_and_its_referrer(as_alice):
    config, layer = b'{"architecture":"amd64","os":"linux"}', os.urandom(100)
    push_blob512(as_alice, config)
    push_blob512(as_alice, layer)
    manifest = _manifest(config, layer)
    digest = sha512(manifest)
    response = push_manifest(as_alice, REPO, digest, manifest)
    assert response.status_code == 201, response.content
    assert response["Docker-Content-Digest"] == digest
    got = as_alice.call("GET", f"/v2/{REPO}/manifests/{digest}", scope=PUSH)
    assert got.content == manifest
    subject = {
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": digest,
        "size": len(manifest),
    }
    referrer = _manifest(config, layer, subject=subject, artifactType="application/example")
    assert push_manifest(as_alice, REPO, sha512(referrer), referrer).status_code == 201
    listed = as_alice.call("GET", f"/v2/{REPO}/referrers/{digest}", scope=PUSH).json()
    assert [m["digest"] for m in listed["manifests"]] == [sha512(referrer)]
    deleted = as_alice.call("DELETE", f"/v2/{REPO}/manifests/{digest}", scope=f"repository:{REPO}:delete")
    assert deleted.status_code == 202


def test_sha512_blob_mounts_from_another_repository(as_alice):
    digest = push_blob512(as_alice, b"shared", repository="alice/source")
    token = as_alice.token(PUSH, "repository:alice/source:pull")
    response = as_alice.client.post(
        f"/v2/{REPO}/blobs/uploads/?mount={digest}&from=alice/source", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 201
    assert RepositoryBlob.objects.filter(repository__name="app", blob__digest=digest).exists()


def test_sha512_paths_stay_validated():
    with pytest.raises(ValueError):
        blob_path("sha512:" + "a" * 127)
    with pytest.raises(ValueError):
        blob_path("sha512:" + "a" * 128 + "\n")
    assert blob_path("sha512:" + "ab" * 64) == "sha512/ab/" + "ab" * 64
