"""The content lifecycle with real clients: an image labelled ``quay.expires-after`` by buildah
and pushed by podman expires on time; a READ_ONLY repository and a registry in read-only mode
refuse podman's pushes and the API's tag changes while pulls go on."""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.conftest import RegistryServer, _server_start, _stop

if TYPE_CHECKING:
    from tests.e2e.conftest import ContainerTools

pytestmark = pytest.mark.e2e

TOKEN_SETUP = """
from oauth2_provider.models import Application
from orgs.models import Organization, OrganizationApplication, User
from orgs.oauth import oauth_token_generate
alice = User.objects.get(username="alice")
application = Application.objects.create(
    name="{name}", user=alice, client_type="confidential", authorization_grant_type="authorization-code",
    redirect_uris="http://127.0.0.1/callback",
)
acme = Organization.objects.get(namespace__name="acme")
OrganizationApplication.objects.create(application=application, organization=acme)
scopes = ["repo:read", "repo:write", "repo:admin"]
_, raw = oauth_token_generate(application=application, user=alice, scopes=scopes, actor=alice)
print("TOKEN=" + raw)
"""


def _api_token(server: RegistryServer) -> str:
    output = server.shell(TOKEN_SETUP.format(name=f"e2e{secrets.token_hex(3)}")).stdout
    return next(line[6:] for line in output.splitlines() if line.startswith("TOKEN="))


def _api(host: str, token: str, method: str, path: str, body: dict | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"http://{host}/api/v1/{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _build_labelled(tools: ContainerTools, name: str, labels: dict[str, str]) -> None:
    source = tools.home / "files" / f"{name}.bin"
    source.write_bytes(secrets.token_bytes(512))
    container = tools.run("buildah", "from", "--pull=never", "scratch").stdout.strip()
    tools.run("buildah", "copy", "--quiet", container, str(source), "/payload.bin")
    label_flags = [flag for key, value in labels.items() for flag in ("--label", f"{key}={value}")]
    tools.run("buildah", "config", "--arch", "amd64", "--os", "linux", *label_flags, container)
    tools.run("buildah", "commit", "--quiet", "--rm", container, f"localhost/{name}")


def _push(tools: ContainerTools, image: str, target: str, *, succeed: bool = True) -> str:
    command = ("podman", "push", "--tls-verify=false", f"localhost/{image}", tools.ref(target))
    return (tools.run if succeed else tools.run_failing)(*command).stderr


def test_expires_after_label_from_buildah_expires_the_pushed_tag(
    registry_server: RegistryServer, alice_tools: ContainerTools
) -> None:
    repository = f"acme/expiring{secrets.token_hex(3)}"
    _build_labelled(alice_tools, "expiring", {"quay.expires-after": "2h", "org.example.team": "infra"})
    _push(alice_tools, "expiring", f"{repository}:1")
    token = _api_token(registry_server)

    status, body = _api(
        registry_server.host, token, "GET", f"repository/{repository}/tag/?onlyActiveTags=true"
    )
    assert status == 200
    (tag,) = body["tags"]
    assert 7200 - 2 <= tag["end_ts"] - tag["start_ts"] <= 7200 + 2
    status, body = _api(
        registry_server.host,
        token,
        "GET",
        f"repository/{repository}/manifest/{tag['manifest_digest']}/labels",
    )
    labels = {label["key"]: (label["value"], label["source_type"]) for label in body["labels"]}
    assert labels["quay.expires-after"] == ("2h", "manifest")
    assert labels["org.example.team"] == ("infra", "manifest")


def test_read_only_repository_refuses_podman_pushes_and_serves_pulls(
    registry_server: RegistryServer, alice_tools: ContainerTools
) -> None:
    repository = f"acme/frozen{secrets.token_hex(3)}"
    alice_tools.image_build("first", [secrets.token_bytes(256)])
    alice_tools.image_build("second", [secrets.token_bytes(256)])
    _push(alice_tools, "first", f"{repository}:1")
    token = _api_token(registry_server)
    state = f"repository/{repository}/changestate"
    assert _api(registry_server.host, token, "PUT", state, {"state": "READ_ONLY"})[0] == 200

    _push(alice_tools, "second", f"{repository}:2", succeed=False)
    assert alice_tools.inspect(f"{repository}:1")["Digest"].startswith("sha256:")
    status, body = _api(registry_server.host, token, "DELETE", f"repository/{repository}/tag/1")
    assert status == 503 and "READ_ONLY" in body["detail"]
    status, body = _api(
        registry_server.host, token, "GET", f"repository/{repository}/tag/?onlyActiveTags=true"
    )
    assert [tag["name"] for tag in body["tags"]] == ["1"]

    assert _api(registry_server.host, token, "PUT", state, {"state": "NORMAL"})[0] == 200
    _push(alice_tools, "second", f"{repository}:2")


@pytest.fixture
def read_only_server(registry_server: RegistryServer, tmp_path: Path) -> Iterator[str]:
    """A second server on the same database and storage, in registry-wide read-only mode."""
    env = {**registry_server.env, "QUAY_REGISTRY_STATE": "readonly"}
    process, host = _server_start(env, tmp_path)
    try:
        yield host
    finally:
        _stop(process)


def test_registry_read_only_mode_refuses_pushes_and_api_writes_and_serves_pulls(
    registry_server: RegistryServer, read_only_server: str, alice_tools: ContainerTools, new_tools
) -> None:
    repository = f"acme/maintained{secrets.token_hex(3)}"
    alice_tools.image_build("before", [secrets.token_bytes(256)])
    _push(alice_tools, "before", f"{repository}:1")
    token = _api_token(registry_server)

    tools = new_tools("read-only")
    tools.registry = read_only_server
    tools.login("alice")
    assert tools.inspect(f"{repository}:1")["Digest"].startswith("sha256:")
    tools.image_build("during", [secrets.token_bytes(256)])
    error = _push(tools, "during", f"{repository}:2", succeed=False)
    assert "read-only" in error
    status, body = _api(read_only_server, token, "DELETE", f"repository/{repository}/tag/1")
    assert status == 503 and "read-only" in body["detail"]
    status, body = _api(read_only_server, token, "GET", f"repository/{repository}/tag/?onlyActiveTags=true")
    assert status == 200 and [tag["name"] for tag in body["tags"]] == ["1"]
