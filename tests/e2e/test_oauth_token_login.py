"""An OAuth access token as the registry password of ``$oauthtoken``, with podman against the real
server: the token's scopes decide what the login may push and pull, as in Quay."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import ContainerTools, RegistryServer

pytestmark = pytest.mark.e2e

TOKEN_SETUP = """
from oauth2_provider.models import Application
from orgs.models import Organization, User
from orgs.services.applications import application_create
alice = User.objects.get(username="alice")
acme = Organization.objects.get(namespace__name="acme")
owned, _ = application_create(organization=acme, name="{name}", actor=alice)
from orgs.oauth import oauth_token_generate
for scopes in ({scope_sets}):
    _, raw = oauth_token_generate(application=owned.application, user=alice, scopes=list(scopes), actor=alice)
    print("TOKEN=" + raw)
"""


def _tokens(registry_server: RegistryServer, *scope_sets: tuple[str, ...]) -> list[str]:
    script = TOKEN_SETUP.format(name=f"ci{secrets.token_hex(3)}", scope_sets=", ".join(map(repr, scope_sets)))
    output = registry_server.shell(script).stdout
    return [line[6:] for line in output.splitlines() if line.startswith("TOKEN=")]


def _login(tools: ContainerTools, token: str) -> None:
    tools.run("podman", "login", "--tls-verify=false", "-u", "$oauthtoken", "-p", token, tools.registry)


def _push(tools: ContainerTools, image: str, target: str, *, succeed: bool = True) -> None:
    command = ("podman", "push", "--tls-verify=false", f"localhost/{image}", tools.ref(target))
    if succeed:
        tools.run(*command)
    else:
        tools.run_failing(*command)


def test_oauth_token_logs_in_pushes_and_pulls_within_its_scopes(
    registry_server: RegistryServer, new_tools
) -> None:
    creator, writer, reader = _tokens(
        registry_server, ("repo:write", "repo:create"), ("repo:write",), ("repo:read",)
    )
    repository = f"acme/oauth{secrets.token_hex(3)}"

    pusher = new_tools("oauth-creator")
    _login(pusher, creator)
    pusher.image_build("built", [secrets.token_bytes(512)])
    _push(pusher, "built", f"{repository}:1")
    digest = pusher.inspect(f"{repository}:1")["Digest"]

    # repo:write without repo:create pushes to the repository that exists, creates none.
    write_only = new_tools("oauth-writer")
    _login(write_only, writer)
    write_only.image_build("other", [secrets.token_bytes(512)])
    _push(write_only, "other", f"{repository}:2")
    _push(write_only, "other", f"acme/oauthnew{secrets.token_hex(3)}:1", succeed=False)

    puller = new_tools("oauth-reader")
    _login(puller, reader)
    puller.run("podman", "pull", "--tls-verify=false", f"{puller.registry}/{repository}:1")
    assert puller.inspect(f"{repository}:1")["Digest"] == digest
    puller.image_build("mine", [secrets.token_bytes(256)])
    _push(puller, "mine", f"{repository}:3", succeed=False)


def test_a_wrong_oauth_token_is_no_login(registry_server: RegistryServer, new_tools) -> None:
    tools = new_tools("oauth-wrong")
    tools.run_failing(
        "podman", "login", "--tls-verify=false", "-u", "$oauthtoken", "-p", "not-a-token", tools.registry
    )
