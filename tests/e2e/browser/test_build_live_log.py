"""In the browser, the build page shows a running build's log lines as they are written, before
the build ends: a Dockerfile whose RUN step prints, sleeps, prints, built by the local executor
(buildah) on the server's job thread, while the page listens on the websocket that gunicorn's
uvicorn child serves (as `make run` does), in the embedded default (no Redis: the consumer reads
the database)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.conftest import sign_in
from tests.e2e.conftest import ContainerTools, RegistryServer, _free_port, registry_server_of_its_own
from tests.e2e.test_builds import BASE_FILES, SETUP, BuildApi, _repository_create

pytestmark = pytest.mark.e2e

# The RUN step's pause between its two lines: long enough to see the first alone.
PAUSE_SECONDS = 6
BUILD_TIMEOUT_MS = 180_000
# dash has no sleep of its own.
SHELL_FILES = {**BASE_FILES, "/usr/bin/sleep": "/bin/sleep"}


@pytest.fixture(scope="module")
def live_log_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RegistryServer]:
    settings = {"QUAY_WEBSOCKET_PORT": str(_free_port())}
    with registry_server_of_its_own(request, tmp_path_factory, settings) as server:
        yield server


def shell_base_pushed(tools: ContainerTools, repository_and_tag: str) -> None:
    container = tools.run("buildah", "from", "--pull=never", "scratch").stdout.strip()
    for source, target in SHELL_FILES.items():
        tools.run("buildah", "copy", "--quiet", container, source, target)
    tools.run("buildah", "commit", "--quiet", "--rm", container, "localhost/shell-base")
    tools.push("shell-base", repository_and_tag)


def test_the_build_page_shows_log_lines_while_the_build_runs(
    web: Page, live_log_server: RegistryServer, tmp_path: Path, screenshot: Callable[[Page, str], None]
) -> None:
    server, suffix = live_log_server, secrets.token_hex(3)
    values = dict(
        line.split("=", 1)
        for line in server.shell(SETUP.format(suffix=suffix)).stdout.splitlines()
        if "=" in line
    )
    api = BuildApi(server, values["TOKEN"])
    tools = ContainerTools(tmp_path / "tools", server.host)
    tools.login("alice")
    shell_base_pushed(tools, f"acme/base{suffix}:1")
    repository = f"acme/live{suffix}"
    _repository_create(api, repository)
    first, second = f"first-{secrets.token_hex(4)}", f"second-{secrets.token_hex(4)}"
    # Quotes split each marker in the RUN line the log shows: only the echo prints it whole.
    said_first, said_second = (f'{marker[:3]}""{marker[3:]}' for marker in (first, second))
    dockerfile = (
        f"FROM {server.host}/acme/base{suffix}:1\n"
        f"RUN echo {said_first}; sleep {PAUSE_SECONDS}; echo {said_second}\n"
    )

    sign_in(web, server.url, "alice")
    build = api.build(repository, dockerfile, pull_robot=values["ROBOT"])
    web.goto(f"{server.url}/repository/{repository}/-/builds/{build['id']}")
    lines = web.locator("#build-log")

    expect(lines).to_contain_text(first, timeout=BUILD_TIMEOUT_MS)
    seen_first = time.monotonic()
    # The first line is on the page while the RUN step still sleeps: the build has not ended.
    expect(lines).not_to_contain_text(second)
    status, running = api.call("GET", f"/api/v1/repository/{repository}/build/{build['id']}/status")
    assert (status, running["phase"]) == (200, "building")
    screenshot(web, "build-live-log")

    expect(lines).to_contain_text(second, timeout=BUILD_TIMEOUT_MS)
    assert time.monotonic() - seen_first > PAUSE_SECONDS / 2
    expect(web.locator("#build")).to_have_attribute("data-phase", "complete", timeout=BUILD_TIMEOUT_MS)
    expect(web.locator("#build-phase")).to_have_text("complete")
    # Each line once, in index order.
    shown = lines.locator("[data-index]").evaluate_all(
        "items => items.map(item => Number(item.dataset.index))"
    )
    assert shown == list(range(len(shown)))
