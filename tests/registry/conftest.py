"""Fixtures shared by the registry tests: storage drivers, and an S3 server for them to use."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from registry.storage import driver_build
from registry.storage.base import StorageDriver
from registry.storage.s3 import S3Storage

STORAGE_DRIVERS = ["local", "s3"]


@dataclass(frozen=True)
class S3Endpoint:
    host: str
    port: int
    bucket: str
    access_key: str = "testing"
    secret_key: str = "testing"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def driver_options(self) -> dict:
        # A fresh key prefix per caller stands in for resetting the server between tests.
        return {
            "s3_bucket": self.bucket,
            "s3_access_key": self.access_key,
            "s3_secret_key": self.secret_key,
            "host": self.host,
            "port": self.port,
            "is_secure": False,
            "storage_path": f"tests/{uuid.uuid4().hex}",
        }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_answering(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    raise RuntimeError(f"moto_server did not answer at {url}")


def _bucket_create(endpoint: S3Endpoint) -> None:
    # moto checks no signatures, so a bare PUT creates the bucket without an S3 client here.
    request = urllib.request.Request(f"{endpoint.url}/{endpoint.bucket}", method="PUT")
    with urllib.request.urlopen(request, timeout=10):
        pass


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Endpoint]:
    endpoint = S3Endpoint(host="127.0.0.1", port=_free_port(), bucket="registry-tests")
    executable = Path(sys.executable).parent / "moto_server"
    process = subprocess.Popen(
        [str(executable), "-H", endpoint.host, "-p", str(endpoint.port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_answering(endpoint.url, process)
        _bucket_create(endpoint)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def s3_driver(s3_server: S3Endpoint) -> S3Storage:
    options = s3_server.driver_options()
    driver = driver_build("test", ["S3Storage", options])
    assert isinstance(driver, S3Storage)
    return driver


@pytest.fixture
def local_driver(tmp_path: Path) -> StorageDriver:
    return driver_build("test", ["LocalStorage", {"storage_path": str(tmp_path / "local-driver")}])


@pytest.fixture(params=STORAGE_DRIVERS)
def storage_driver(request: pytest.FixtureRequest) -> StorageDriver:
    return request.getfixturevalue(f"{request.param}_driver")
