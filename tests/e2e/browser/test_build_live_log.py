"""In the browser, the build page shows a running build's log lines as they are written, before
the build ends: a Dockerfile whose RUN step prints, sleeps, prints, built by the local executor
(buildah) on the server's job thread, while the page listens on the websocket that gunicorn's
uvicorn child serves (as `make run` does), in the embedded default (no Redis: the consumer reads
the database)."""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.conftest import sign_in
from tests.e2e.conftest import ContainerTools, RegistryServer, _free_port, registry_server_of_its_own

pytestmark = pytest.mark.e2e

# The RUN step's pause between its two lines: long enough to see the first alone.
PAUSE_SECONDS = 6
BUILD_TIMEOUT_MS = 120_000
# A base image with a shell and sleep, copied from this machine (the tests run offline).
SHELL_FILES = {
    "/usr/bin/dash": "/bin/sh",
    "/usr/bin/sleep": "/bin/sleep",
    "/lib/x86_64-linux-gnu/libc.so.6": "/lib/x86_64-linux-gnu/libc.so.6",
    "/lib64/ld-linux-x86-64.so.2": "/lib64/ld-linux-x86-64.so.2",
}
TOKEN_SETUP = """
from oauth2_provider.models import Application
from orgs.models import User
from orgs.oauth import oauth_token_generate
alice = User.objects.get(username="alice")
application = Application.objects.create(
    name="live-log", user=alice, client_type="confidential",
    authorization_grant_type="authorization-code", redirect_uris="http://127.0.0.1/callback",
)
_, raw = oauth_token_generate(
    application=application, user=alice, scopes=["repo:read", "repo:write", "repo:admin", "repo:create"],
    actor=alice,
)
print("TOKEN=" + raw)
"""


@pytest.fixture(scope="module")
def live_log_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RegistryServer]:
    settings = {"QUAY_WEBSOCKET_PORT": str(_free_port())}
    with registry_server_of_its_own(request, tmp_path_factory, settings) as server:
        yield server


def api(
    server: RegistryServer, token: str, method: str, path: str, body: Any = None, raw: bytes | None = None
) -> Any:
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(
        path if path.startswith("http") else f"{server.url}/api/v1/{path}",
        method=method,
        data=data,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        raise AssertionError(f"{method} {path}: {error.code} {error.read()[:500]!r}") from None


def shell_base_pushed(tools: ContainerTools, repository_and_tag: str) -> None:
    container = tools.run("buildah", "from", "--pull=never", "scratch").stdout.strip()
    for source, target in SHELL_FILES.items():
        tools.run("buildah", "copy", "--quiet", container, source, target)
    tools.run("buildah", "config", "--arch", "amd64", "--os", "linux", "--cmd", "/bin/sh", container)
    tools.run("buildah", "commit", "--quiet", "--rm", container, "localhost/shell-base")
    tools.run("podman", "push", "--tls-verify=false", "localhost/shell-base", tools.ref(repository_and_tag))


def build_started(server: RegistryServer, token: str, repository: str, dockerfile: str) -> str:
    drop = api(server, token, "POST", "filedrop/", {"mimeType": "text/plain"})
    api(server, token, "PUT", drop["url"], raw=dockerfile.encode())
    build = api(
        server,
        token,
        "POST",
        f"repository/{repository}/build/",
        {"file_id": drop["file_id"], "docker_tags": ["live"]},
    )
    return build["id"]


def test_the_build_page_shows_log_lines_while_the_build_runs(
    web: Page, live_log_server: RegistryServer, tmp_path: Path, screenshot: Callable[[Page, str], None]
) -> None:
    server, name = live_log_server, f"live{secrets.token_hex(3)}"
    tools = ContainerTools(tmp_path / "tools", server.host)
    tools.login("alice")
    shell_base_pushed(tools, f"alice/{name}:base")
    output = server.shell(TOKEN_SETUP).stdout
    token = next(line[6:] for line in output.splitlines() if line.startswith("TOKEN="))
    api(server, token, "POST", f"repository/alice/{name}/changevisibility", {"visibility": "public"})
    first, second = f"first-{secrets.token_hex(4)}", f"second-{secrets.token_hex(4)}"
    dockerfile = (
        f"FROM {server.host}/alice/{name}:base\nRUN echo {first}; sleep {PAUSE_SECONDS}; echo {second}\n"
    )

    sign_in(web, server.url, "alice")
    build_uuid = build_started(server, token, f"alice/{name}", dockerfile)
    web.goto(f"{server.url}/repository/alice/{name}/build/{build_uuid}")
    lines = web.locator("[data-build-log-lines]")

    expect(lines).to_contain_text(first, timeout=BUILD_TIMEOUT_MS)
    seen_first = time.monotonic()
    # The first line is on the page while the RUN step still sleeps: the build has not ended.
    expect(lines).not_to_contain_text(second)
    assert api(server, token, "GET", f"repository/alice/{name}/build/{build_uuid}")["phase"] == "building"
    screenshot(web, "build-live-log")

    expect(lines).to_contain_text(second, timeout=BUILD_TIMEOUT_MS)
    assert time.monotonic() - seen_first > PAUSE_SECONDS / 2
    expect(web.locator("[data-build-log]")).to_have_attribute(
        "data-phase", "complete", timeout=BUILD_TIMEOUT_MS
    )
    # Each line once, in index order.
    indexes = [
        int(index) for index in lines.locator("li").evaluate_all("items => items.map(i => i.dataset.index)")
    ]
    assert indexes == list(range(len(indexes)))
