"""What the Swift driver promises beyond the contract, against Debian's Swift all-in-one (which
checks tempauth passwords and temp URL signatures)."""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request

import pytest

from registry.storage import driver_build, storage_for, storage_verify
from registry.storage.base import StorageConfigError
from registry.storage.swift import SEGMENT_SIZE, SEGMENTS_FOLDER, SwiftStorage
from tests.storage_servers import SwiftEndpoint


def _put(driver: SwiftStorage, path: str, data: bytes) -> None:
    with driver.writer(path) as writer:
        writer.write(data)
        writer.commit()


def _segment_names(driver: SwiftStorage) -> list[str]:
    _, listing = driver.connection.get_container(
        driver.container, prefix=f"{driver.prefix}/{SEGMENTS_FOLDER}/"
    )
    return [entry["name"] for entry in listing]


def test_temp_url_serves_the_bytes(swift_driver: SwiftStorage) -> None:
    _put(swift_driver, "blobs/redirected", b"fetched directly")

    url = swift_driver.redirect_url("blobs/redirected", expires_in=60)

    assert url is not None and "temp_url_sig=" in url
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"fetched directly"


def test_temp_url_with_a_forged_signature_is_refused(swift_driver: SwiftStorage) -> None:
    _put(swift_driver, "blobs/guarded", b"x")
    url = swift_driver.redirect_url("blobs/guarded", expires_in=60)
    assert url is not None

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url.replace("temp_url_sig=", "temp_url_sig=0"), timeout=10)
    assert refused.value.code == 401


def test_without_temp_url_key_there_is_no_redirect(swift_server: SwiftEndpoint) -> None:
    options = {**swift_server.driver_options(), "temp_url_key": None}
    driver = driver_build("test", ["SwiftStorage", options])

    assert driver.redirect_url("blobs/any", expires_in=60) is None


def test_large_object_is_a_manifest_whose_delete_takes_its_segments(swift_driver: SwiftStorage) -> None:
    data = os.urandom(2 * SEGMENT_SIZE + 5)
    _put(swift_driver, "blobs/large", data)

    assert len(_segment_names(swift_driver)) == 3
    with swift_driver.open("blobs/large", offset=SEGMENT_SIZE) as stream:
        assert hashlib.sha256(stream.read()).digest() == hashlib.sha256(data[SEGMENT_SIZE:]).digest()

    swift_driver.delete("blobs/large")

    assert not swift_driver.exists("blobs/large")
    assert _segment_names(swift_driver) == []


def test_moved_large_object_keeps_its_bytes_and_segments(swift_driver: SwiftStorage) -> None:
    data = os.urandom(SEGMENT_SIZE + 1)
    _put(swift_driver, "uploads/large", data)

    swift_driver.move("uploads/large", "blobs/moved")

    assert not swift_driver.exists("uploads/large")
    with swift_driver.open("blobs/moved") as stream:
        assert stream.read() == data
    swift_driver.delete("blobs/moved")
    assert _segment_names(swift_driver) == []


def test_cancel_of_a_large_write_removes_its_segments(swift_driver: SwiftStorage) -> None:
    writer = swift_driver.writer("blobs/cancelled")
    writer.write(os.urandom(2 * SEGMENT_SIZE + 1))
    assert _segment_names(swift_driver)

    writer.cancel()

    assert _segment_names(swift_driver) == []


def test_simple_path_concat_prefixes_names_without_a_slash(swift_server: SwiftEndpoint) -> None:
    options = {**swift_server.driver_options(), "simple_path_concat": True}
    options["storage_path"] = f"{options['storage_path']}-"
    driver = driver_build("test", ["SwiftStorage", options])
    assert isinstance(driver, SwiftStorage)

    _put(driver, "blobs/x", b"1")

    driver.connection.head_object(driver.container, f"{options['storage_path']}blobs/x")


def test_start_up_check_refuses_a_missing_container(settings, swift_server: SwiftEndpoint) -> None:
    options = {**swift_server.driver_options(), "swift_container": "no-such-container"}
    settings.STORAGE_CONFIG = {"dc1": ["SwiftStorage", options]}
    storage_for.cache_clear()

    with pytest.raises(StorageConfigError, match="'dc1'.*no-such-container.*does not exist"):
        storage_verify("dc1")


def test_start_up_check_refuses_a_wrong_password(settings, swift_server: SwiftEndpoint) -> None:
    options = {**swift_server.driver_options(), "swift_password": "wrong", "retry_count": 0}
    settings.STORAGE_CONFIG = {"dc1": ["SwiftStorage", options]}
    storage_for.cache_clear()

    with pytest.raises(StorageConfigError, match="'dc1'.*not usable.*401"):
        storage_verify("dc1")


def test_missing_auth_url_names_it_and_the_accepted_options() -> None:
    with pytest.raises(StorageConfigError) as refused:
        driver_build(
            "dc1", ["SwiftStorage", {"swift_container": "c", "swift_user": "u", "swift_password": "p"}]
        )

    message = str(refused.value)
    assert "'dc1'" in message and "SwiftStorage needs auth_url" in message and "temp_url_key" in message
