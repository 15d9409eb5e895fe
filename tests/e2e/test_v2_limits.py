"""Over-long request lines reach the registry through the real gunicorn server, which answers
in the distribution spec's JSON rather than gunicorn's HTML 414."""

from __future__ import annotations

import base64
import http.client
import json

import pytest

from tests.e2e.conftest import PASSWORDS, RegistryServer

pytestmark = pytest.mark.e2e
PATH_LENGTH = 8000


def _get(server: RegistryServer, path: str, token: str | None = None) -> tuple[int, str, dict]:
    host, port = server.host.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        return response.status, response.getheader("Content-Type", ""), json.loads(body)
    finally:
        connection.close()


def _token(server: RegistryServer, scope: str) -> str:
    host, port = server.host.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    basic = base64.b64encode(f"alice:{PASSWORDS['alice']}".encode()).decode()
    connection.request(
        "GET", f"/v2/auth?service={server.host}&scope={scope}", headers={"Authorization": f"Basic {basic}"}
    )
    return json.loads(connection.getresponse().read())["token"]


def test_an_8_kib_repository_name_is_name_invalid(registry_server: RegistryServer) -> None:
    name = "alice/" + "a" * PATH_LENGTH
    status, content_type, body = _get(registry_server, f"/v2/{name}/tags/list")
    assert status == 400
    assert content_type.startswith("application/json")
    assert body["errors"][0]["code"] == "NAME_INVALID"


def test_an_8_kib_digest_is_digest_invalid(registry_server: RegistryServer) -> None:
    token = _token(registry_server, "repository:alice/app:pull")
    status, content_type, body = _get(
        registry_server, f"/v2/alice/app/blobs/sha256:{'a' * PATH_LENGTH}", token
    )
    assert status == 400
    assert content_type.startswith("application/json")
    assert body["errors"][0]["code"] == "DIGEST_INVALID"
