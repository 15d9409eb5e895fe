"""A revoked credential ends the registry token a client already holds, within the server's
REGISTRY_TOKEN_RECHECK_SECONDS (5), not at the token's expiry: podman logs in and pulls, the user
is disabled, and the same token (skopeo --registry-token) stops working within the window."""

from __future__ import annotations

import base64
import json
import secrets
import subprocess
import time
import urllib.request
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import ContainerTools, RegistryServer

pytestmark = pytest.mark.e2e
WINDOW_SECONDS = 5
# Slack for starting skopeo and for the two gunicorn workers, each with its own token memory.
MARGIN_SECONDS = 3
# Enough requests that both workers answer some of them.
REPEATS = 4


def _registry_token(registry_server: RegistryServer, username: str, password: str, repository: str) -> str:
    query = f"service={registry_server.host}&scope=repository:{repository}:pull"
    request = urllib.request.Request(f"{registry_server.url}/v2/auth?{query}")
    request.add_header(
        "Authorization", "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["token"]


def _refused(tools: ContainerTools, token: str, reference: str) -> bool:
    """Whether the registry refuses this very token (skopeo sends it as is, never asks for one)."""
    completed = subprocess.run(
        ["skopeo", "inspect", "--raw", "--tls-verify=false", "--registry-token", token, tools.ref(reference)],
        env=tools.env,
        cwd=tools.home,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if completed.returncode == 0:
        return False
    assert "unauthorized" in completed.stderr.lower(), completed.stderr
    return True


def test_disabling_a_user_ends_their_pull_token_within_the_window(registry_server: RegistryServer, new_tools):
    username, password = f"carol{secrets.token_hex(3)}", secrets.token_urlsafe(16)
    registry_server.shell(
        f"from orgs.services import user_create\nuser_create(username={username!r}, password={password!r})"
    )
    reference = f"{username}/app:1"
    tools = new_tools("revoked")
    tools.run("podman", "login", "--tls-verify=false", "-u", username, "-p", password, tools.registry)
    tools.image_build("revoked", [secrets.token_bytes(256)])
    tools.push("revoked", reference)
    tools.run("podman", "pull", "--tls-verify=false", f"{tools.registry}/{reference}")
    token = _registry_token(registry_server, username, password, f"{username}/app")
    assert not any(_refused(tools, token, reference) for _ in range(REPEATS))

    registry_server.shell(
        "from orgs.models import User\nfrom orgs.services import user_set_active\n"
        f"user_set_active(user=User.objects.get(username={username!r}), active=False)"
    )
    deadline = time.monotonic() + WINDOW_SECONDS + MARGIN_SECONDS
    refusals_in_a_row = 0
    while refusals_in_a_row < REPEATS:
        assert time.monotonic() < deadline, "the old token still pulls after the re-check window"
        refusals_in_a_row = refusals_in_a_row + 1 if _refused(tools, token, reference) else 0
    tools.run_failing("podman", "pull", "--tls-verify=false", f"{tools.registry}/{reference}")
