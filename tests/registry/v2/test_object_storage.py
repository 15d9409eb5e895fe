"""The registry over S3 (a real moto server): redirects to signed URLs, or streams when proxying."""

from __future__ import annotations

import os
import urllib.request

import pytest

from registry.storage import storage_for
from registry.storage.paths import blob_path
from tests.registry.pushing import digest_of, push_blob

pytestmark = pytest.mark.django_db
REPO = "alice/app"
PUSH = f"repository:{REPO}:push,pull"


@pytest.fixture
def s3_location(settings, s3_server):
    settings.STORAGE_CONFIG = {"s3": ["S3Storage", s3_server.driver_options()]}
    settings.STORAGE_PREFERENCE = ["s3"]
    storage_for.cache_clear()
    yield storage_for("s3")
    storage_for.cache_clear()


def test_blob_pull_redirects_to_a_signed_url_that_serves_the_bytes(as_alice, s3_location):
    data = os.urandom(4096)
    digest = push_blob(as_alice, REPO, data)
    assert s3_location.stat(blob_path(digest)).size == 4096
    response = as_alice.call("GET", f"/v2/{REPO}/blobs/{digest}", scope=PUSH)
    assert response.status_code == 307
    assert response["Docker-Content-Digest"] == digest
    assert "Signature" in response["Location"]
    with urllib.request.urlopen(response["Location"], timeout=10) as fetched:
        assert fetched.read() == data


def test_storage_proxy_streams_the_blob_through_the_registry(as_alice, s3_location, settings):
    settings.STORAGE_PROXY = True
    data = os.urandom(3 * 1024 * 1024 + 7)
    digest = push_blob(as_alice, REPO, data)
    response = as_alice.call("GET", f"/v2/{REPO}/blobs/{digest}", scope=PUSH)
    assert response.status_code == 200
    assert response["Content-Length"] == str(len(data))
    assert b"".join(response.streaming_content) == data


def test_range_request_is_served_from_object_storage(as_alice, s3_location):
    data = os.urandom(10_000)
    digest = push_blob(as_alice, REPO, data)
    response = as_alice.call("GET", f"/v2/{REPO}/blobs/{digest}", scope=PUSH, HTTP_RANGE="bytes=100-199")
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == data[100:200]


def test_chunked_upload_in_several_patches_is_joined_in_object_storage(as_alice, s3_location):
    data = os.urandom(9 * 1024 * 1024)
    start = as_alice.call("POST", f"/v2/{REPO}/blobs/uploads/", scope=PUSH)
    location = start["Location"]
    for offset in range(0, len(data), 3 * 1024 * 1024):
        chunk = data[offset : offset + 3 * 1024 * 1024]
        end = offset + len(chunk) - 1
        response = as_alice.call(
            "PATCH", location, scope=PUSH, data=chunk, HTTP_CONTENT_RANGE=f"{offset}-{end}"
        )
        assert response.status_code == 202
    done = as_alice.call("PUT", f"{location}?digest={digest_of(data)}", scope=PUSH)
    assert done.status_code == 201
    with s3_location.open(blob_path(digest_of(data))) as stored:
        assert stored.read() == data
