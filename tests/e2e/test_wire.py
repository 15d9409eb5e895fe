"""The wire protocol against real server processes: several instances act as one registry,
chunked bodies stream, and a body cut off mid-upload changes nothing already stored."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import PASSWORDS, RegistryServer, _server_start, _stop

pytestmark = pytest.mark.e2e
REPO = "alice/wire"


@pytest.fixture(scope="module")
def second_server(registry_server: RegistryServer, tmp_path_factory) -> Iterator[str]:
    """Another server process over the same database, storage and secret: a second instance."""
    log_dir = tmp_path_factory.mktemp("second-server")
    process, host = _server_start(registry_server.env, log_dir)
    try:
        yield host
    finally:
        _stop(process)


class Wire:
    """HTTP/1.1 to one server process, always naming the first instance's host (as behind a
    load balancer), so a token from one instance is presented to the other unchanged."""

    def __init__(self, address: str, public_host: str) -> None:
        host, port = address.rsplit(":", 1)
        self.connection = http.client.HTTPConnection(host, int(port), timeout=30)
        self.public_host = public_host

    def request(self, method: str, path: str, *, token: str | None = None, body=None, headers=None):
        all_headers = {"Host": self.public_host, **(headers or {})}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        chunked = body is not None and not isinstance(body, bytes)
        self.connection.request(method, path, body=body, headers=all_headers, encode_chunked=chunked)
        response = self.connection.getresponse()
        return response, response.read()

    def token(self, scope: str) -> str:
        basic = base64.b64encode(f"alice:{PASSWORDS['alice']}".encode()).decode()
        response, body = self.request(
            "GET",
            f"/v2/auth?service={self.public_host}&scope={scope}",
            headers={"Authorization": f"Basic {basic}"},
        )
        assert response.status == 200, body
        return json.loads(body)["token"]


@pytest.fixture
def first(registry_server: RegistryServer) -> Wire:
    return Wire(registry_server.host, registry_server.host)


@pytest.fixture
def second(registry_server: RegistryServer, second_server: str) -> Wire:
    return Wire(second_server, registry_server.host)


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def test_an_upload_moves_between_instances_patch_by_patch(first, second):
    token = first.token(f"repository:{REPO}:pull,push")
    data = os.urandom(3 * 1024 * 1024 + 123)
    started, _ = first.request("POST", f"/v2/{REPO}/blobs/uploads/", token=token)
    assert started.status == 202
    location = started.getheader("Location")
    # Streamed as podman sends layers: chunked transfer encoding, no length.
    pieces = (data[i : i + 65536] for i in range(0, 2 * 1024 * 1024, 65536))
    patched, _ = second.request("PATCH", location, token=token, body=pieces)
    assert patched.status == 202
    assert patched.getheader("Range") == f"0-{2 * 1024 * 1024 - 1}"
    rest = data[2 * 1024 * 1024 :]
    content_range = f"{2 * 1024 * 1024}-{len(data) - 1}"
    patched, _ = first.request(
        "PATCH", location, token=token, body=rest, headers={"Content-Range": content_range}
    )
    assert patched.status == 202
    status, _ = second.request("GET", location, token=token)
    assert status.getheader("Range") == f"0-{len(data) - 1}"
    done, body = second.request("PUT", f"{location}?digest={_digest(data)}", token=token)
    assert done.status == 201, body
    fetched, content = first.request("GET", f"/v2/{REPO}/blobs/{_digest(data)}", token=token)
    assert fetched.status == 200
    assert content == data


def test_a_token_from_one_instance_works_on_the_other(first, second):
    token = first.token(f"repository:{REPO}:pull,push")
    response, _ = second.request("GET", "/v2/", token=token)
    assert response.status == 200


def _raw_cut_off(address: str, public_host: str, head: str, sent: bytes) -> None:
    host, port = address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        raw.sendall(head.replace("HOST", public_host).encode() + sent)
        raw.shutdown(socket.SHUT_WR)
        try:
            raw.recv(65536)
        except OSError:
            pass


def test_a_patch_cut_off_mid_body_leaves_the_upload_where_it_was(first, registry_server):
    token = first.token(f"repository:{REPO}:pull,push")
    started, _ = first.request("POST", f"/v2/{REPO}/blobs/uploads/", token=token)
    location = started.getheader("Location")
    first.request("PATCH", location, token=token, body=b"x" * 1000, headers={"Content-Range": "0-999"})
    head = (
        f"PATCH {location} HTTP/1.1\r\nHost: HOST\r\nAuthorization: Bearer {token}\r\n"
        "Content-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n"
    )
    _raw_cut_off(registry_server.host, registry_server.host, head, b"y" * 5000)
    status, _ = first.request("GET", location, token=token)
    assert status.status == 204
    assert status.getheader("Range") == "0-999"
    data = b"x" * 1000 + b"z" * 10
    first.request("PATCH", location, token=token, body=b"z" * 10, headers={"Content-Range": "1000-1009"})
    done, body = first.request("PUT", f"{location}?digest={_digest(data)}", token=token)
    assert done.status == 201, body


def test_a_monolithic_push_cut_off_stores_no_blob(first, registry_server):
    token = first.token(f"repository:{REPO}:pull,push")
    data = os.urandom(200_000)
    head = (
        f"POST /v2/{REPO}/blobs/uploads/?digest={_digest(data)} HTTP/1.1\r\nHost: HOST\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Length: {len(data)}\r\n\r\n"
    )
    _raw_cut_off(registry_server.host, registry_server.host, head, data[:50_000])
    response, _ = first.request("HEAD", f"/v2/{REPO}/blobs/{_digest(data)}", token=token)
    assert response.status == 404


def test_a_chunked_patch_cut_off_never_becomes_the_intended_blob(first, registry_server):
    # Whatever a server makes of a chunked body that ends without its last chunk (gunicorn
    # raises, granian reports a normal end), the intended digest must never be stored.
    token = first.token(f"repository:{REPO}:pull,push")
    started, _ = first.request("POST", f"/v2/{REPO}/blobs/uploads/", token=token)
    location = started.getheader("Location")
    head = (
        f"PATCH {location} HTTP/1.1\r\nHost: HOST\r\nAuthorization: Bearer {token}\r\n"
        "Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    intended = b"a" * 4096 + b"b" * 4096
    _raw_cut_off(
        registry_server.host,
        registry_server.host,
        head,
        b"1000\r\n" + intended[:4096] + b"\r\n1000\r\n" + intended[4096:4196],
    )
    done, body = first.request("PUT", f"{location}?digest={_digest(intended)}", token=token)
    assert done.status == 400
    assert json.loads(body)["errors"][0]["code"] == "DIGEST_INVALID"
    response, _ = first.request("HEAD", f"/v2/{REPO}/blobs/{_digest(intended)}", token=token)
    assert response.status == 404


@pytest.mark.skipif(shutil.which("docker") is None, reason="the docker CLI is not installed")
def test_docker_login_accepts_the_right_password_only(registry_server: RegistryServer, tmp_path: Path):
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "DOCKER_CONFIG": str(tmp_path / "docker")}
    login = ["docker", "login", "-u", "alice", "--password-stdin", registry_server.host]
    good = subprocess.run(
        login, input=PASSWORDS["alice"], env=env, capture_output=True, text=True, timeout=60
    )
    assert good.returncode == 0, good.stderr
    assert "Login Succeeded" in good.stdout
    bad = subprocess.run(login, input="wrong", env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0
