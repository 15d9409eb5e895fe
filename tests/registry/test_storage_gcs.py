"""What the Google Cloud Storage driver promises beyond the contract, against gcp-storage-emulator
(which checks no credentials or signatures: signed URLs are checked for their form only)."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from registry.storage import driver_build, storage_for, storage_verify
from registry.storage.base import StorageConfigError
from registry.storage.gcs import COMPOSE_LIMIT, GoogleCloudStorage
from tests.storage_servers import GcsEndpoint


def _put(driver: GoogleCloudStorage, path: str, data: bytes) -> None:
    with driver.writer(path) as writer:
        writer.write(data)
        writer.commit()


@pytest.fixture
def service_account_file(tmp_path: Path) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path = tmp_path / "service-account.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "registry-tests",
                "private_key_id": "1",
                "private_key": pem.decode(),
                "client_email": "registry@registry-tests.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": "https://oauth2.googleapis.com/token",
            }
        )
    )
    return str(path)


def test_redirect_url_is_a_v4_signed_url_that_serves_the_bytes(
    gcs_server: GcsEndpoint, gcs_driver: GoogleCloudStorage, service_account_file: str
) -> None:
    _put(gcs_driver, "blobs/redirected", b"fetched directly")
    # Signing is local; this driver makes no API call, which would fetch an OAuth token from Google.
    options = {
        "bucket_name": gcs_server.bucket,
        "endpoint_url": gcs_server.url,
        "storage_path": gcs_driver.prefix,
    }
    signer = driver_build(
        "test", ["GoogleCloudStorage", {**options, "credentials_file": service_account_file}]
    )

    url = signer.redirect_url("blobs/redirected", expires_in=60)

    assert url is not None
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert query["X-Goog-Algorithm"] == ["GOOG4-RSA-SHA256"]
    assert query["X-Goog-Expires"] == ["60"]
    assert "registry@registry-tests.iam.gserviceaccount.com" in query["X-Goog-Credential"][0]
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"fetched directly"


def test_without_signing_credentials_there_is_no_redirect(gcs_driver: GoogleCloudStorage) -> None:
    assert gcs_driver.redirect_url("blobs/any", expires_in=60) is None


def test_objects_live_under_storage_path(gcs_driver: GoogleCloudStorage) -> None:
    _put(gcs_driver, "blobs/prefixed", b"xyz")

    blob = gcs_driver.bucket.get_blob(f"{gcs_driver.prefix}/blobs/prefixed")
    assert blob is not None and blob.size == 3


def test_concat_of_more_sources_than_one_compose_takes(gcs_driver: GoogleCloudStorage) -> None:
    sources = [f"uploads/part-{index}" for index in range(COMPOSE_LIMIT + 3)]
    for index, source in enumerate(sources):
        _put(gcs_driver, source, f"{index},".encode())

    gcs_driver.concat("blobs/joined", sources)

    with gcs_driver.open("blobs/joined") as stream:
        assert stream.read() == "".join(f"{index}," for index in range(COMPOSE_LIMIT + 3)).encode()


def test_start_up_check_refuses_a_missing_bucket(settings, gcs_server: GcsEndpoint) -> None:
    options = {**gcs_server.driver_options(), "bucket_name": "no-such-bucket"}
    settings.STORAGE_CONFIG = {"us": ["GoogleCloudStorage", options]}
    storage_for.cache_clear()

    with pytest.raises(StorageConfigError, match="'us'.*no-such-bucket.*does not exist"):
        storage_verify("us")


def test_a_credentials_file_that_is_no_key_is_refused(tmp_path: Path) -> None:
    (tmp_path / "key.json").write_text("{}")

    with pytest.raises(StorageConfigError, match="'us'.*GoogleCloudStorage.*credentials_file"):
        driver_build(
            "us", ["GoogleCloudStorage", {"bucket_name": "b", "credentials_file": str(tmp_path / "key.json")}]
        )


def test_missing_bucket_option_names_it() -> None:
    with pytest.raises(StorageConfigError, match="'us'.*GoogleCloudStorage needs bucket_name"):
        driver_build("us", ["GoogleCloudStorage", {"storage_path": "x"}])
