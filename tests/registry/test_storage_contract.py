"""The behaviour every storage driver promises, checked against each driver in turn."""

from __future__ import annotations

import hashlib
import os
import urllib.request
from pathlib import Path

import pytest

from registry.storage import driver_build
from registry.storage.base import PathNotFound, StorageConfigError, StorageDriver
from registry.storage.s3 import S3Storage

MIB = 1024 * 1024


def _put(driver: StorageDriver, path: str, data: bytes) -> None:
    with driver.writer(path) as writer:
        writer.write(data)
        writer.commit()


def _get(driver: StorageDriver, path: str, offset: int = 0) -> bytes:
    with driver.open(path, offset) as stream:
        return stream.read()


def _stream_digest(driver: StorageDriver, path: str) -> str:
    digest = hashlib.sha256()
    with driver.open(path) as stream:
        while chunk := stream.read(MIB):
            digest.update(chunk)
    return digest.hexdigest()


def test_committed_bytes_read_back_unchanged(storage_driver: StorageDriver) -> None:
    _put(storage_driver, "blobs/a", b"hello, registry")

    assert _get(storage_driver, "blobs/a") == b"hello, registry"
    assert storage_driver.stat("blobs/a").size == len(b"hello, registry")


def test_object_of_many_parts_round_trips_with_its_size(storage_driver: StorageDriver) -> None:
    chunks = [os.urandom(MIB) for _ in range(20)]
    expected = hashlib.sha256(b"".join(chunks)).hexdigest()

    with storage_driver.writer("blobs/large") as writer:
        for chunk in chunks:
            writer.write(chunk)
        assert writer.size == 20 * MIB
        writer.commit()

    assert storage_driver.stat("blobs/large").size == 20 * MIB
    assert _stream_digest(storage_driver, "blobs/large") == expected


def test_nothing_is_visible_before_commit(storage_driver: StorageDriver) -> None:
    with storage_driver.writer("blobs/pending") as writer:
        writer.write(os.urandom(9 * MIB))

        assert not storage_driver.exists("blobs/pending")
        writer.commit()

    assert storage_driver.exists("blobs/pending")


@pytest.mark.parametrize("size", [10, 9 * MIB], ids=["small", "multipart"])
def test_cancel_leaves_nothing(storage_driver: StorageDriver, size: int) -> None:
    writer = storage_driver.writer("blobs/cancelled")
    writer.write(os.urandom(size))
    writer.cancel()

    assert not storage_driver.exists("blobs/cancelled")


def test_error_inside_writer_block_leaves_nothing(storage_driver: StorageDriver) -> None:
    with pytest.raises(RuntimeError), storage_driver.writer("blobs/failed") as writer:
        writer.write(b"partial")
        raise RuntimeError("client went away")

    assert not storage_driver.exists("blobs/failed")


def test_open_with_offset_returns_the_tail(storage_driver: StorageDriver) -> None:
    _put(storage_driver, "blobs/tail", b"0123456789")

    assert _get(storage_driver, "blobs/tail", offset=4) == b"456789"


def test_open_at_the_end_returns_nothing(storage_driver: StorageDriver) -> None:
    _put(storage_driver, "blobs/end", b"0123456789")

    assert _get(storage_driver, "blobs/end", offset=10) == b""


def test_open_reads_in_chunks_of_the_asked_size(storage_driver: StorageDriver) -> None:
    _put(storage_driver, "blobs/chunks", b"abcdefgh")

    with storage_driver.open("blobs/chunks") as stream:
        assert [stream.read(3), stream.read(3), stream.read(3), stream.read(3)] == [
            b"abc",
            b"def",
            b"gh",
            b"",
        ]


def test_open_of_missing_path_raises_path_not_found(storage_driver: StorageDriver) -> None:
    with pytest.raises(PathNotFound):
        storage_driver.open("blobs/missing")


def test_stat_of_missing_path_raises_path_not_found(storage_driver: StorageDriver) -> None:
    with pytest.raises(PathNotFound):
        storage_driver.stat("blobs/missing")


def test_delete_removes_the_object(storage_driver: StorageDriver) -> None:
    _put(storage_driver, "blobs/doomed", b"x")

    storage_driver.delete("blobs/doomed")

    assert not storage_driver.exists("blobs/doomed")


def test_delete_of_missing_path_is_fine(storage_driver: StorageDriver) -> None:
    storage_driver.delete("blobs/never-written")

    assert not storage_driver.exists("blobs/never-written")


def test_move_leaves_bytes_only_at_destination(storage_driver: StorageDriver) -> None:
    _put(storage_driver, "uploads/source", b"moving bytes")

    storage_driver.move("uploads/source", "blobs/destination")

    assert not storage_driver.exists("uploads/source")
    assert _get(storage_driver, "blobs/destination") == b"moving bytes"


def test_move_of_missing_path_raises_path_not_found(storage_driver: StorageDriver) -> None:
    with pytest.raises(PathNotFound):
        storage_driver.move("uploads/missing", "blobs/destination")


def test_concat_joins_sources_in_order(storage_driver: StorageDriver) -> None:
    for index, data in enumerate([b"first,", b"second,", b"third"]):
        _put(storage_driver, f"uploads/segment-{index}", data)

    sources = ["uploads/segment-0", "uploads/segment-1", "uploads/segment-2"]
    storage_driver.concat("blobs/joined", sources)

    assert _get(storage_driver, "blobs/joined") == b"first,second,third"


def test_exists_tells_written_from_unwritten(storage_driver: StorageDriver) -> None:
    _put(storage_driver, "blobs/present", b"x")

    assert storage_driver.exists("blobs/present")
    assert not storage_driver.exists("blobs/absent")


def test_empty_object_round_trips(storage_driver: StorageDriver) -> None:
    _put(storage_driver, "blobs/empty", b"")

    assert storage_driver.stat("blobs/empty").size == 0
    assert _get(storage_driver, "blobs/empty") == b""


def test_s3_redirect_url_serves_the_bytes(s3_driver: S3Storage) -> None:
    _put(s3_driver, "blobs/redirected", b"fetched directly")

    url = s3_driver.redirect_url("blobs/redirected", expires_in=60)

    assert url is not None
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"fetched directly"


def test_s3_redirect_url_is_signed_with_sigv4_by_default(s3_driver: S3Storage) -> None:
    url = s3_driver.redirect_url("blobs/any", expires_in=60)

    assert url is not None
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in url


def test_s3_objects_live_under_storage_path(s3_driver: S3Storage) -> None:
    _put(s3_driver, "blobs/prefixed", b"x")

    key = f"{s3_driver.prefix}/blobs/prefixed"
    assert s3_driver.client.head_object(Bucket=s3_driver.bucket, Key=key)["ContentLength"] == 1


def test_s3_cancel_aborts_the_multipart_upload(s3_driver: S3Storage) -> None:
    writer = s3_driver.writer("blobs/aborted")
    writer.write(os.urandom(9 * MIB))
    writer.cancel()

    uploads = s3_driver.client.list_multipart_uploads(Bucket=s3_driver.bucket, Prefix=s3_driver.prefix)
    assert uploads.get("Uploads", []) == []


def test_local_driver_offers_a_file_not_a_redirect(local_driver: StorageDriver) -> None:
    _put(local_driver, "blobs/on-disk", b"sendfile me")

    assert local_driver.redirect_url("blobs/on-disk", expires_in=60) is None
    local_file = local_driver.local_file("blobs/on-disk")
    assert local_file is not None
    assert Path(local_file).read_bytes() == b"sendfile me"


def test_unknown_s3_option_is_rejected_by_name() -> None:
    with pytest.raises(StorageConfigError, match="bogus"):
        driver_build("x", ["S3Storage", {"s3_bucket": "b", "bogus": 1}])


def test_s3_without_bucket_is_rejected() -> None:
    with pytest.raises(StorageConfigError, match="s3_bucket"):
        driver_build("x", ["S3Storage", {"s3_access_key": "k", "s3_secret_key": "s"}])
