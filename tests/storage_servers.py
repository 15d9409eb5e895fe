"""Real storage servers for the tests, each started once per session on a free 127.0.0.1 port:
moto for S3 (and the S3-speaking RadosGW, NooBaa and CloudFront drivers), Azurite for Azure,
gcp-storage-emulator for Google Cloud Storage and Debian's Swift all-in-one for Swift.

Each fixture yields an endpoint whose ``driver_options()`` gives a fresh key prefix per call, which
stands in for resetting the server between tests. Loaded for every test by tests/conftest.py.
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
READY_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_ready(name: str, probe: Callable[[], bool], processes: list[subprocess.Popen[bytes]]) -> None:
    """Polls ``probe`` until it answers True, for READY_SECONDS at most; a server that exits stops
    the wait at once with its name."""
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"{name}: {process.args!r} exited with {process.returncode}")
        try:
            if probe():
                return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{name} did not answer within {READY_SECONDS} s")


def http_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except urllib.error.HTTPError:
        # Any HTTP answer, even an error, means the server is up.
        return True


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _prefix() -> str:
    return f"tests/{uuid.uuid4().hex}"


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

    def driver_options(self) -> dict[str, Any]:
        return {
            "s3_bucket": self.bucket,
            "s3_access_key": self.access_key,
            "s3_secret_key": self.secret_key,
            "host": self.host,
            "port": self.port,
            "is_secure": False,
            "storage_path": _prefix(),
        }

    def quay_options(self) -> dict[str, Any]:
        """RadosGWStorage's and RHOCSStorage's option names for the same bucket."""
        return {
            "bucket_name": self.bucket,
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            "hostname": self.host,
            "port": self.port,
            "is_secure": False,
            "storage_path": _prefix(),
        }


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Endpoint]:
    endpoint = S3Endpoint(host="127.0.0.1", port=free_port(), bucket="registry-tests")
    executable = Path(sys.executable).parent / "moto_server"
    process = subprocess.Popen(
        [str(executable), "-H", endpoint.host, "-p", str(endpoint.port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready("moto_server", lambda: http_answers(f"{endpoint.url}/moto-api/"), [process])
        # moto checks no signatures, so a bare PUT creates the bucket without an S3 client here.
        request = urllib.request.Request(f"{endpoint.url}/{endpoint.bucket}", method="PUT")
        with urllib.request.urlopen(request, timeout=10):
            pass
        yield endpoint
    finally:
        stop([process])


# Azurite's documented development account; AZURITE_ACCOUNTS replaces it with this one.
AZURE_ACCOUNT = "registrytests"
AZURE_KEY = base64.b64encode(b"registry-tests-azurite-account-key-0123456789").decode()


@dataclass(frozen=True)
class AzureEndpoint:
    port: int
    container: str
    account_name: str = AZURE_ACCOUNT
    account_key: str = AZURE_KEY

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{self.account_name}"

    def driver_options(self) -> dict[str, Any]:
        return {
            "azure_container": self.container,
            "azure_account_name": self.account_name,
            "azure_account_key": self.account_key,
            "endpoint_url": self.url,
            "storage_path": _prefix(),
        }


def azurite_executable() -> str:
    """`make install-test` installs Azurite under .tools/node; AZURITE_BLOB names another."""
    candidates = [
        os.environ.get("AZURITE_BLOB", ""),
        str(ROOT / ".tools/node/node_modules/.bin/azurite-blob"),
        shutil.which("azurite-blob") or "",
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    raise RuntimeError("azurite-blob not found: run `make install-test` (npm install into .tools/node)")


@pytest.fixture(scope="session")
def azurite_server() -> Iterator[AzureEndpoint]:
    from azure.storage.blob import BlobServiceClient

    endpoint = AzureEndpoint(port=free_port(), container="registry-tests")
    process = subprocess.Popen(
        [
            azurite_executable(),
            "--blobHost", "127.0.0.1",
            "--blobPort", str(endpoint.port),
            "--inMemoryPersistence",
            "--skipApiVersionCheck",
            "--silent",
        ],
        env={**os.environ, "AZURITE_ACCOUNTS": f"{endpoint.account_name}:{endpoint.account_key}"},
        # Azurite writes its debug log into the working directory unless told otherwise.
        cwd=tempfile.gettempdir(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_ready("azurite", lambda: http_answers(endpoint.url), [process])
        service = BlobServiceClient(
            endpoint.url,
            credential={"account_name": endpoint.account_name, "account_key": endpoint.account_key},
        )
        service.create_container(endpoint.container)
        yield endpoint
    finally:
        stop([process])
