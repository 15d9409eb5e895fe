"""TLS to the services: Redis over rediss:// with a CA option in the URL, and an S3 store whose
certificate a private CA signs (the location's ca_bundle), each against a real TLS server."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from botocore.exceptions import SSLError

from quaysite.tls_selfsigned import certificates_ensure
from registry.storage.s3 import S3Storage

READY_SECONDS = 20


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def tls_pair(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("tls-services")
    certificates_ensure(directory, [])
    return directory


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


@pytest.fixture(scope="module")
def redis_tls_port(tls_pair: Path) -> Iterator[int]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    port = _free_port()
    process = subprocess.Popen(
        [
            server, "--port", "0", "--tls-port", str(port), "--bind", "127.0.0.1",
            "--tls-cert-file", str(tls_pair / "server.crt"), "--tls-key-file", str(tls_pair / "server.key"),
            "--tls-ca-cert-file", str(tls_pair / "ca" / "ca.crt"), "--tls-auth-clients", "no",
            "--save", "", "--appendonly", "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + READY_SECONDS
    while True:
        assert process.poll() is None, "redis-server with TLS did not start"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    yield port
    _stop(process)


def test_rediss_with_the_ca_in_the_url_connects(redis_tls_port: int, tls_pair: Path):
    url = f"rediss://127.0.0.1:{redis_tls_port}/0?ssl_ca_certs={tls_pair / 'ca' / 'ca.crt'}"
    assert redis.Redis.from_url(url, socket_timeout=5).ping()


def test_rediss_without_the_ca_refuses_the_server(redis_tls_port: int):
    with pytest.raises(redis.ConnectionError, match="certificate verify failed"):
        redis.Redis.from_url(f"rediss://127.0.0.1:{redis_tls_port}/0", socket_timeout=5).ping()


def test_checkconfig_passes_a_rediss_url_with_its_ca(redis_tls_port: int, tls_pair: Path, tmp_path: Path):
    config = tmp_path / "config.yaml"
    config.write_text(
        f"REDIS_URL: rediss://127.0.0.1:{redis_tls_port}/0?ssl_ca_certs={tls_pair / 'ca' / 'ca.crt'}\n"
        f"DB_URI: sqlite:///{tmp_path / 'db.sqlite3'}\n"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "checkconfig", str(config)],
        cwd=Path(__file__).resolve().parents[2],
        env={"PATH": "/usr/bin:/bin", "QUAY_DATA_DIR": str(tmp_path / "data")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def s3_tls_port(tls_pair: Path) -> Iterator[int]:
    port = _free_port()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port),
            "-c", str(tls_pair / "server.crt"), "-k", str(tls_pair / "server.key"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    context = ssl.create_default_context(cafile=str(tls_pair / "ca" / "ca.crt"))
    deadline = time.monotonic() + READY_SECONDS
    while True:
        assert process.poll() is None, "moto_server with TLS did not start"
        try:
            urllib.request.urlopen(f"https://127.0.0.1:{port}/moto-api/", timeout=1, context=context).close()
            break
        except OSError:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    yield port
    _stop(process)


def _s3(port: int, ca_bundle: str | None = None) -> S3Storage:
    return S3Storage(
        s3_bucket="tls-bucket",
        s3_access_key="a",
        s3_secret_key="s",
        host="127.0.0.1",
        port=port,
        ca_bundle=ca_bundle,
    )


def test_an_s3_store_signed_by_a_private_ca_works_with_its_ca_bundle(s3_tls_port: int, tls_pair: Path):
    driver = _s3(s3_tls_port, ca_bundle=str(tls_pair / "ca" / "ca.crt"))
    driver.client.create_bucket(Bucket="tls-bucket")
    with driver.writer("probe") as writer:
        writer.write(b"over tls")
        writer.commit()
    with driver.open("probe") as stream:
        assert stream.read() == b"over tls"


def test_an_s3_store_signed_by_a_private_ca_is_refused_without_it(s3_tls_port: int):
    with pytest.raises(SSLError):
        _s3(s3_tls_port).stat("probe")
