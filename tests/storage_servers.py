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
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from swiftclient.exceptions import ClientException

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
        except (OSError, urllib.error.URLError, ClientException):
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


@contextmanager
def s3_server_running() -> Iterator[S3Endpoint]:
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


@contextmanager
def azurite_server_running() -> Iterator[AzureEndpoint]:
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


@dataclass(frozen=True)
class GcsEndpoint:
    port: int
    bucket: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def driver_options(self) -> dict[str, Any]:
        return {"bucket_name": self.bucket, "endpoint_url": self.url, "storage_path": _prefix()}


@contextmanager
def gcs_server_running() -> Iterator[GcsEndpoint]:
    endpoint = GcsEndpoint(port=free_port(), bucket="registry-tests")
    executable = Path(sys.executable).parent / "gcp-storage-emulator"
    process = subprocess.Popen(
        [
            str(executable), "start",
            "--host", "127.0.0.1",
            "--port", str(endpoint.port),
            "--default-bucket", endpoint.bucket,
            "--in-memory",
            "--quiet",
        ],
        cwd=tempfile.gettempdir(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_ready("gcp-storage-emulator", lambda: http_answers(f"{endpoint.url}/storage/v1/b"), [process])
        yield endpoint
    finally:
        stop([process])


SWIFT_TEMP_URL_KEY = "registry-tests-temp-url-key"


@dataclass(frozen=True)
class SwiftEndpoint:
    proxy_port: int
    container: str
    user: str = "test:tester"
    password: str = "testing"
    temp_url_key: str = SWIFT_TEMP_URL_KEY

    @property
    def auth_url(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}/auth/v1.0"

    def driver_options(self) -> dict[str, Any]:
        return {
            "swift_container": self.container,
            "auth_url": self.auth_url,
            "swift_user": self.user,
            "swift_password": self.password,
            "auth_version": 1,
            "temp_url_key": self.temp_url_key,
            "storage_path": _prefix(),
        }


def _swift_server_conf(swift_dir: Path, devices: Path, kind: str, port: int, extra: str = "") -> Path:
    conf = swift_dir / f"{kind}-server.conf"
    conf.write_text(
        f"""[DEFAULT]
bind_ip = 127.0.0.1
bind_port = {port}
devices = {devices}
mount_check = false
user = root
swift_dir = {swift_dir}
workers = 0
log_level = WARNING
{extra}
[pipeline:main]
pipeline = {kind}-server

[app:{kind}-server]
use = egg:swift#{kind}
"""
    )
    return conf


def _swift_proxy_conf(swift_dir: Path, port: int, memcached_port: int) -> Path:
    conf = swift_dir / "proxy-server.conf"
    conf.write_text(
        f"""[DEFAULT]
bind_ip = 127.0.0.1
bind_port = {port}
user = root
swift_dir = {swift_dir}
workers = 0
log_level = WARNING

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck cache listing_formats tempurl tempauth copy slo dlo
    proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
# A backend still starting must not be shut out for a minute after its first refusals.
error_suppression_limit = 1000

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:{memcached_port}

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:tempurl]
use = egg:swift#tempurl
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
"""
    )
    return conf


def _swift_rings(swift_dir: Path, ports: dict[str, int]) -> None:
    for kind, port in ports.items():
        builder = str(swift_dir / f"{kind}.builder")
        for arguments in (
            ["create", "6", "1", "1"],
            ["add", f"r1z1-127.0.0.1:{port}/d1", "100"],
            ["rebalance"],
        ):
            subprocess.run(["swift-ring-builder", builder, *arguments], check=True, capture_output=True)


@contextmanager
def swift_server_running() -> Iterator[SwiftEndpoint]:
    """Debian's Swift all-in-one: account, container and object servers on one device, a proxy
    with tempauth (tokens in memcached), tempurl, copy and SLO."""
    with tempfile.TemporaryDirectory(prefix="swift-") as folder:
        yield from _swift_run(Path(folder))


def _swift_run(root: Path) -> Iterator[SwiftEndpoint]:
    from swiftclient.client import Connection

    swift_dir, devices = root / "etc", root / "srv"
    swift_dir.mkdir()
    (devices / "d1").mkdir(parents=True)
    (swift_dir / "swift.conf").write_text(
        "[swift-hash]\nswift_hash_path_suffix = registry-tests\nswift_hash_path_prefix = registry-tests\n"
        "[storage-policy:0]\nname = Policy-0\ndefault = yes\n"
    )
    ports = {kind: free_port() for kind in ("account", "container", "object")}
    _swift_rings(swift_dir, ports)
    endpoint = SwiftEndpoint(proxy_port=free_port(), container="registry-tests")
    memcached_port = free_port()
    commands = [
        ["memcached", "-l", "127.0.0.1", "-p", str(memcached_port), "-U", "0", "-u", "root", "-m", "16"],
        *(
            [f"swift-{kind}-server", str(_swift_server_conf(swift_dir, devices, kind, port))]
            for kind, port in ports.items()
        ),
        ["swift-proxy-server", str(_swift_proxy_conf(swift_dir, endpoint.proxy_port, memcached_port))],
    ]
    processes = [
        subprocess.Popen(command, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for command in commands
    ]
    try:
        connection = Connection(
            authurl=endpoint.auth_url, user=endpoint.user, key=endpoint.password, auth_version="1", retries=0
        )

        def container_created() -> bool:
            # The proxy answers before its backends do; only then is a container PUT meaningful.
            for port in [*ports.values(), memcached_port]:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    pass
            connection.put_container(endpoint.container)
            return True

        wait_ready("swift", container_created, processes)
        connection.post_account({"X-Account-Meta-Temp-URL-Key": endpoint.temp_url_key})
        yield endpoint
    finally:
        stop(processes)


# The session fixtures: each server starts once per test session. bench/storage_drivers.py uses
# the context managers above directly.


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Endpoint]:
    with s3_server_running() as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def azurite_server() -> Iterator[AzureEndpoint]:
    with azurite_server_running() as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def gcs_server() -> Iterator[GcsEndpoint]:
    with gcs_server_running() as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def swift_server() -> Iterator[SwiftEndpoint]:
    with swift_server_running() as endpoint:
        yield endpoint
