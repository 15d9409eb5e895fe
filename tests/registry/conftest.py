"""Fixtures shared by the registry tests: one storage driver of each kind, on the servers that
tests/storage_servers.py starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry.storage import driver_build
from registry.storage.azure import AzureStorage
from registry.storage.base import StorageDriver
from registry.storage.s3 import S3Storage
from tests.storage_servers import AzureEndpoint, S3Endpoint

STORAGE_DRIVERS = ["local", "s3", "azure"]


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
def local_driver(tmp_path: Path) -> StorageDriver:
    return driver_build("test", ["LocalStorage", {"storage_path": str(tmp_path / "local-driver")}])


@pytest.fixture(params=STORAGE_DRIVERS)
def storage_driver(request: pytest.FixtureRequest) -> StorageDriver:
    return request.getfixturevalue(f"{request.param}_driver")
