"""Blob reads and uploads through /v2/, against the real database and storage."""

from __future__ import annotations

import os

import pytest

from registry.models import Blob, BlobUpload, RepositoryBlob
from tests.registry.pushing import digest_of, push_blob

pytestmark = pytest.mark.django_db
REPO = "alice/app"
PUSH = f"repository:{REPO}:push,pull"


def test_monolithic_push_stores_the_blob_once_and_links_it(as_alice, isolated_storage):
    data = os.urandom(3000)
    digest = push_blob(as_alice, REPO, data)
    blob = Blob.objects.get(digest=digest)
    assert blob.size == 3000
    stored = isolated_storage / "sha256" / digest[7:9] / digest[7:]
    assert stored.read_bytes() == data
    assert RepositoryBlob.objects.filter(repository__name="app", blob=blob).exists()


def test_second_push_of_the_same_bytes_stores_nothing_new(as_alice, isolated_storage):
    data = os.urandom(100)
    push_blob(as_alice, REPO, data)
    push_blob(as_alice, "alice/other", data)
    assert Blob.objects.count() == 1
    assert RepositoryBlob.objects.count() == 2
    assert sum(1 for p in isolated_storage.rglob("*") if p.is_file()) == 1


def test_blob_head_and_get_return_length_digest_and_bytes(as_alice):
    data = os.urandom(5000)
    digest = push_blob(as_alice, REPO, data)
    head = as_alice.call("HEAD", f"/v2/{REPO}/blobs/{digest}", scope=PUSH)
    assert head.status_code == 200
    assert head["Content-Length"] == "5000"
    assert head["Docker-Content-Digest"] == digest
    get = as_alice.call("GET", f"/v2/{REPO}/blobs/{digest}", scope=PUSH)
    assert get.status_code == 200
    assert b"".join(get.streaming_content) == data


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=10-19", 10, 19), ("bytes=4990-", 4990, 4999), ("bytes=-5", 4995, 4999)],
)
def test_blob_range_answers_206_with_the_slice(as_alice, header, start, end):
    data = os.urandom(5000)
    digest = push_blob(as_alice, REPO, data)
    response = as_alice.call("GET", f"/v2/{REPO}/blobs/{digest}", scope=PUSH, HTTP_RANGE=header)
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/5000"
    assert b"".join(response.streaming_content) == data[start : end + 1]


def test_blob_range_past_the_end_answers_416(as_alice):
    digest = push_blob(as_alice, REPO, os.urandom(100))
    response = as_alice.call("GET", f"/v2/{REPO}/blobs/{digest}", scope=PUSH, HTTP_RANGE="bytes=100-200")
    assert response.status_code == 416
    assert response.json()["errors"][0]["code"] == "BLOB_UPLOAD_INVALID"


def test_unknown_blob_answers_blob_unknown(as_alice):
    push_blob(as_alice, REPO, b"x")
    response = as_alice.call("HEAD", f"/v2/{REPO}/blobs/{digest_of(b'nope')}", scope=PUSH)
    assert response.status_code == 404
    get = as_alice.call("GET", f"/v2/{REPO}/blobs/{digest_of(b'nope')}", scope=PUSH)
    assert get.json()["errors"][0]["code"] == "BLOB_UNKNOWN"


def test_blob_of_another_repository_is_not_readable_here(as_alice):
    digest = push_blob(as_alice, "alice/one", b"secret layer")
    push_blob(as_alice, REPO, b"something else")
    response = as_alice.call("GET", f"/v2/{REPO}/blobs/{digest}", scope=PUSH)
    assert response.status_code == 404


def test_wrong_digest_is_refused_and_stores_nothing(as_alice, isolated_storage):
    response = as_alice.call(
        "POST", f"/v2/{REPO}/blobs/uploads/?digest={digest_of(b'other')}", scope=PUSH, data=b"actual"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "DIGEST_INVALID"
    assert not Blob.objects.exists()
    assert not [p for p in isolated_storage.rglob("*") if p.is_file()]


@pytest.mark.parametrize("digest", ["sha256:../../etc/passwd", "md5:abc", "sha256:ABC", "sha256:" + "g" * 64])
def test_malformed_digest_is_refused_before_storage(as_alice, digest, isolated_storage):
    response = as_alice.call("POST", f"/v2/{REPO}/blobs/uploads/?digest={digest}", scope=PUSH, data=b"x")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "DIGEST_INVALID"
    assert not [p for p in isolated_storage.rglob("*") if p.is_file()]


def _start(registry) -> str:
    response = registry.call("POST", f"/v2/{REPO}/blobs/uploads/", scope=PUSH)
    assert response.status_code == 202
    assert response["Range"] == "0-0"
    return response["Location"]


def test_chunked_upload_in_order_completes_with_the_right_digest(as_alice):
    data = os.urandom(10_000)
    location = _start(as_alice)
    first = as_alice.call("PATCH", location, scope=PUSH, data=data[:4000], HTTP_CONTENT_RANGE="0-3999")
    assert first.status_code == 202
    assert first["Range"] == "0-3999"
    second = as_alice.call(
        "PATCH", first["Location"], scope=PUSH, data=data[4000:], HTTP_CONTENT_RANGE="4000-9999"
    )
    assert second["Range"] == "0-9999"
    status = as_alice.call("GET", location, scope=PUSH)
    assert status.status_code == 204
    assert status["Range"] == "0-9999"
    done = as_alice.call("PUT", f"{location}?digest={digest_of(data)}", scope=PUSH)
    assert done.status_code == 201
    assert done["Docker-Content-Digest"] == digest_of(data)
    got = as_alice.call("GET", f"/v2/{REPO}/blobs/{digest_of(data)}", scope=PUSH)
    assert b"".join(got.streaming_content) == data
    assert not BlobUpload.objects.exists()


def test_upload_state_lives_in_the_database_between_requests(as_alice):
    data = os.urandom(3000)
    location = _start(as_alice)
    as_alice.call("PATCH", location, scope=PUSH, data=data[:1000])
    upload = BlobUpload.objects.get()
    assert upload.offset == 1000
    assert upload.hash_state is not None and len(upload.hash_state) == 112
    # The closing PUT carries the last bytes, as some clients do.
    done = as_alice.call("PUT", f"{location}?digest={digest_of(data)}", scope=PUSH, data=data[1000:])
    assert done.status_code == 201


def test_out_of_order_chunk_answers_416_and_keeps_the_offset(as_alice):
    location = _start(as_alice)
    as_alice.call("PATCH", location, scope=PUSH, data=b"a" * 100, HTTP_CONTENT_RANGE="0-99")
    response = as_alice.call("PATCH", location, scope=PUSH, data=b"b" * 100, HTTP_CONTENT_RANGE="200-299")
    assert response.status_code == 416
    assert BlobUpload.objects.get().offset == 100


def test_put_with_wrong_digest_is_refused_and_creates_no_blob(as_alice):
    location = _start(as_alice)
    as_alice.call("PATCH", location, scope=PUSH, data=b"hello")
    response = as_alice.call("PUT", f"{location}?digest={digest_of(b'bye')}", scope=PUSH)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "DIGEST_INVALID"
    assert not Blob.objects.exists()


def test_cancelled_upload_is_gone(as_alice, isolated_storage):
    location = _start(as_alice)
    as_alice.call("PATCH", location, scope=PUSH, data=b"partial")
    assert as_alice.call("DELETE", location, scope=f"repository:{REPO}:push,pull,delete").status_code == 204
    assert as_alice.call("GET", location, scope=PUSH).status_code == 404
    assert not [p for p in isolated_storage.rglob("*") if p.is_file()]


def test_unknown_upload_answers_blob_upload_unknown(as_alice):
    push_blob(as_alice, REPO, b"x")
    response = as_alice.call(
        "PATCH", f"/v2/{REPO}/blobs/uploads/00000000-0000-0000-0000-000000000000", scope=PUSH, data=b"x"
    )
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "BLOB_UPLOAD_UNKNOWN"


def test_mount_from_a_readable_repository_links_without_upload(as_alice):
    digest = push_blob(as_alice, "alice/source", b"shared layer")
    token = as_alice.token(PUSH, "repository:alice/source:pull")
    response = as_alice.client.post(
        f"/v2/{REPO}/blobs/uploads/?mount={digest}&from=alice/source", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 201
    assert response["Location"] == f"/v2/{REPO}/blobs/{digest}"
    assert RepositoryBlob.objects.filter(repository__name="app", blob__digest=digest).exists()


def test_mount_from_an_unreadable_repository_starts_a_normal_upload(as_alice, as_bob):
    digest = push_blob(as_alice, "alice/private", b"alice's layer")
    token = as_bob.token("repository:bob/app:push,pull", "repository:alice/private:pull")
    response = as_bob.client.post(
        f"/v2/bob/app/blobs/uploads/?mount={digest}&from=alice/private", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 202
    assert not RepositoryBlob.objects.filter(repository__name="app", blob__digest=digest).exists()


def test_blob_delete_unlinks_from_the_repository(as_alice):
    digest = push_blob(as_alice, REPO, b"to delete")
    response = as_alice.call("DELETE", f"/v2/{REPO}/blobs/{digest}", scope=f"repository:{REPO}:delete")
    assert response.status_code == 202
    assert as_alice.call("HEAD", f"/v2/{REPO}/blobs/{digest}", scope=PUSH).status_code == 404


def test_an_empty_blob_pushes_and_pulls(as_alice):
    digest = push_blob(as_alice, REPO, b"")
    head = as_alice.call("HEAD", f"/v2/{REPO}/blobs/{digest}", scope=PUSH)
    assert head.status_code == 200
    assert head["Content-Length"] == "0"
    location = _start(as_alice)
    assert as_alice.call("PUT", f"{location}?digest={digest}", scope=PUSH).status_code == 201


def test_closing_put_with_an_out_of_order_chunk_answers_416_and_keeps_the_session(as_alice):
    data = os.urandom(300)
    location = _start(as_alice)
    as_alice.call("PATCH", location, scope=PUSH, data=data[:100], HTTP_CONTENT_RANGE="0-99")
    response = as_alice.call(
        "PUT",
        f"{location}?digest={digest_of(data)}",
        scope=PUSH,
        data=data[200:],
        HTTP_CONTENT_RANGE="200-299",
    )
    assert response.status_code == 416
    assert response.json()["errors"][0]["code"] == "BLOB_UPLOAD_INVALID"
    status = as_alice.call("GET", location, scope=PUSH)
    assert status.status_code == 204
    assert status["Range"] == "0-99"
    done = as_alice.call(
        "PUT",
        f"{location}?digest={digest_of(data)}",
        scope=PUSH,
        data=data[100:],
        HTTP_CONTENT_RANGE="100-299",
    )
    assert done.status_code == 201
    got = as_alice.call("GET", f"/v2/{REPO}/blobs/{digest_of(data)}", scope=PUSH)
    assert b"".join(got.streaming_content) == data


def test_put_with_wrong_digest_ends_the_session_as_the_reference_registry_does(as_alice, isolated_storage):
    location = _start(as_alice)
    as_alice.call("PATCH", location, scope=PUSH, data=b"hello")
    assert as_alice.call("PUT", f"{location}?digest={digest_of(b'bye')}", scope=PUSH).status_code == 400
    assert as_alice.call("GET", location, scope=PUSH).status_code == 404
    assert not [p for p in isolated_storage.rglob("*") if p.is_file()]
