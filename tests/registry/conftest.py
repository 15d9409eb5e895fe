"""Fixtures shared by the registry tests: one storage driver of each kind, on the servers that
tests/storage_servers.py starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry.storage import driver_build
from registry.storage.azure import AzureStorage
from registry.storage.base import StorageDriver
from registry.storage.gcs import GoogleCloudStorage
from registry.storage.s3 import S3Storage
from registry.storage.swift import SwiftStorage
from tests.storage_servers import AzureEndpoint, GcsEndpoint, S3Endpoint, SwiftEndpoint

STORAGE_DRIVERS = ["local", "s3", "azure", "gcs", "swift"]


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
def local_driver(tmp_path: Path) -> StorageDriver:
    return driver_build("test", ["LocalStorage", {"storage_path": str(tmp_path / "local-driver")}])


@pytest.fixture(params=STORAGE_DRIVERS)
def storage_driver(request: pytest.FixtureRequest) -> StorageDriver:
    return request.getfixturevalue(f"{request.param}_driver")
