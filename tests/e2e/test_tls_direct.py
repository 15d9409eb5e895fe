"""Served directly over TLS (SSL_CERT_PATH, SSL_KEY_PATH) with the self-signed CA `make run TLS=1`
makes: podman logs in, pushes and pulls verifying the server against that CA only."""

from __future__ import annotations

import os
import secrets
import ssl
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from quaysite.tls_selfsigned import certificates_ensure
from tests.e2e.conftest import (
    PASSWORDS,
    ContainerTools,
    RegistryServer,
    _database_created,
    _server_env,
    _server_prepare,
    _server_running,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def tls_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("tls")
    certificates_ensure(directory, [])
    return directory


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory, tls_dir: Path) -> Iterator[RegistryServer]:
    data_dir = tmp_path_factory.mktemp("registry-server-tls")
    with _database_created(os.environ.get("DATABASE_URL", "")) as database_url:
        env = {
            **_server_env(data_dir, database_url),
            "QUAY_SSL_CERT_PATH": str(tls_dir / "server.crt"),
            "QUAY_SSL_KEY_PATH": str(tls_dir / "server.key"),
            "QUAY_PREFERRED_URL_SCHEME": "https",
        }
        _server_prepare(env)
        with _server_running(env, data_dir, tls_ca=tls_dir / "ca" / "ca.crt") as server:
            yield server


def test_podman_pushes_and_pulls_over_direct_tls_verified_against_the_ca(
    tls_server: RegistryServer, tls_dir: Path, tmp_path: Path
) -> None:
    tools = ContainerTools(tmp_path / "tools", tls_server.host)
    verified = ("--tls-verify=true", "--cert-dir", str(tls_dir / "ca"))
    tools.run("podman", "login", *verified, "-u", "alice", "-p", PASSWORDS["alice"], tls_server.host)
    image_id = tools.image_build("secure:1", [secrets.token_bytes(256 * 1024)])
    tools.run("podman", "push", *verified, "localhost/secure:1", f"{tls_server.host}/alice/secure:1")
    tools.run("podman", "rmi", "--all", "--force")

    tools.run("podman", "pull", *verified, f"{tls_server.host}/alice/secure:1")

    inspected = tools.run(
        "podman", "image", "inspect", "--format", "{{.Id}}", f"{tls_server.host}/alice/secure:1"
    )
    assert inspected.stdout.strip() == image_id


def test_a_client_without_the_ca_refuses_the_server(tls_server: RegistryServer, tmp_path: Path) -> None:
    tools = ContainerTools(tmp_path / "tools", tls_server.host)
    failed = tools.run_failing(
        "podman", "login", "--tls-verify=true", "-u", "alice", "-p", PASSWORDS["alice"], tls_server.host
    )
    assert "certificate" in failed.stderr


def test_the_token_realm_is_https(tls_server: RegistryServer, tls_dir: Path) -> None:
    context = ssl.create_default_context(cafile=str(tls_dir / "ca" / "ca.crt"))
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{tls_server.url}/v2/", timeout=10, context=context)
    assert refused.value.code == 401
    assert f'realm="https://{tls_server.host}/v2/auth"' in refused.value.headers["WWW-Authenticate"]
