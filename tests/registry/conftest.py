"""Fixtures shared by the registry tests: one storage driver of each kind, on the servers that
tests/storage_servers.py starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from registry.storage import driver_build
from registry.storage.azure import AzureStorage
from registry.storage.base import StorageDriver
from registry.storage.cloudfront import CloudFrontedS3Storage
from registry.storage.gcs import GoogleCloudStorage
from registry.storage.s3 import S3Storage
from registry.storage.swift import SwiftStorage
from tests.storage_servers import AzureEndpoint, GcsEndpoint, S3Endpoint, SwiftEndpoint

STORAGE_DRIVERS = ["local", "s3", "radosgw", "rhocs", "cloudfront", "azure", "gcs", "swift"]


@pytest.fixture
def s3_driver(s3_server: S3Endpoint) -> S3Storage:
    driver = driver_build("test", ["S3Storage", s3_server.driver_options()])
    assert isinstance(driver, S3Storage)
    return driver


@pytest.fixture
def azure_driver(azurite_server: AzureEndpoint) -> AzureStorage:
    driver = driver_build("test", ["AzureStorage", azurite_server.driver_options()])
    assert isinstance(driver, AzureStorage)
    return driver


@pytest.fixture
def gcs_driver(gcs_server: GcsEndpoint) -> GoogleCloudStorage:
    driver = driver_build("test", ["GoogleCloudStorage", gcs_server.driver_options()])
    assert isinstance(driver, GoogleCloudStorage)
    return driver


@pytest.fixture
def swift_driver(swift_server: SwiftEndpoint) -> SwiftStorage:
    driver = driver_build("test", ["SwiftStorage", swift_server.driver_options()])
    assert isinstance(driver, SwiftStorage)
    return driver


@pytest.fixture
def radosgw_driver(s3_server: S3Endpoint) -> StorageDriver:
    return driver_build("test", ["RadosGWStorage", s3_server.quay_options()])


@pytest.fixture
def rhocs_driver(s3_server: S3Endpoint) -> StorageDriver:
    return driver_build("test", ["RHOCSStorage", s3_server.quay_options()])


@pytest.fixture(scope="session")
def cloudfront_key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path_factory.mktemp("cloudfront") / "cloudfront.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return path


@pytest.fixture
def cloudfront_driver(s3_server: S3Endpoint, cloudfront_key_file: Path) -> CloudFrontedS3Storage:
    options = {
        **s3_server.driver_options(),
        "cloudfront_distribution_domain": "d111111abcdef8.cloudfront.net",
        "cloudfront_key_id": "K2JCJMDEHXQW5F",
        "cloudfront_privatekey_filename": str(cloudfront_key_file),
    }
    driver = driver_build("test", ["CloudFrontedS3Storage", options])
    assert isinstance(driver, CloudFrontedS3Storage)
    return driver


@pytest.fixture
def local_driver(tmp_path: Path) -> StorageDriver:
    return driver_build("test", ["LocalStorage", {"storage_path": str(tmp_path / "local-driver")}])


@pytest.fixture(params=STORAGE_DRIVERS)
def storage_driver(request: pytest.FixtureRequest) -> StorageDriver:
    return request.getfixturevalue(f"{request.param}_driver")
