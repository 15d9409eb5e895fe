"""A person runs an organization from the browser, and a robot it made pushes with podman;
a tag moved by a second push is restored from the tag history."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from tests.e2e.browser.conftest import overflowing, sign_in

if TYPE_CHECKING:
    from tests.e2e.conftest import ContainerTools, RegistryServer

pytestmark = pytest.mark.e2e

Shot = Callable[[Page, str], None]
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}


def _submit(page: Page, form: str) -> None:
    page.locator(f"{form} button[type=submit]").click()


def _create_org_team_robot(web: Page, base: str, org: str, screenshot: Shot) -> str:
    """Returns the robot's token, read from its one-time reveal."""
    web.goto(f"{base}/organizations/")
    screenshot(web, "organizations")
    web.fill("#id_name", org)
    _submit(web, "main form.stack")
    web.wait_for_url(f"{base}/organization/{org}/")
    web.goto(f"{base}/organization/{org}/teams/")
    screenshot(web, "teams")
    web.fill("#id_name", "devs")
    web.select_option("#id_role", "member")
    _submit(web, "#team-form")
    web.wait_for_url(f"{base}/organization/{org}/teams/devs/")
    web.fill("#id_username", "bob")
    _submit(web, "#member-form")
    expect(web.locator("main table")).to_contain_text("bob")
    screenshot(web, "team")
    web.goto(f"{base}/organization/{org}/robots/")
    web.fill("#id_name", "pusher")
    web.fill("#id_description", "CI pushes")
    _submit(web, "#robot-form")
    web.wait_for_url(f"{base}/organization/{org}/robots/pusher/")
    expect(web.locator("#robot-login-podman")).to_contain_text(
        f"podman login --tls-verify=false -u {org}+pusher -p "
    )
    expect(web.locator("#robot-secret")).to_contain_text("kubernetes.io/dockerconfigjson")
    screenshot(web, "robot-token")
    web.set_viewport_size(PHONE)
    assert overflowing(web, ".copyline pre, main pre") == []
    screenshot(web, "robot-token-phone")
    web.set_viewport_size(DESKTOP)
    return web.locator("#robot-token").inner_text().strip()


def _create_repository_and_grant(web: Page, base: str, org: str, screenshot: Shot) -> None:
    web.goto(f"{base}/repositories/new?namespace={org}")
    screenshot(web, "repository-new")
    web.fill("#id_name", "app")
    web.fill("#id_description", "Built by **CI**, pushed by a robot.")
    _submit(web, "main form.stack")
    web.wait_for_url(f"{base}/repository/{org}/app/")
    expect(web.locator("main")).to_contain_text("No tags yet")
    expect(web.locator("#description strong")).to_have_text("CI")
    web.locator("#settings-tab").click()
    for kind, name, role in (("user", f"{org}+pusher", "write"), ("team", "devs", "read")):
        web.select_option("#id_kind", kind)
        web.fill("#id_name", name)
        web.select_option("#id_role", role)
        _submit(web, "#grant-form")
        expect(web.locator("#permissions")).to_contain_text(name)
    screenshot(web, "repository-settings")


def _create_application_and_consent(web: Page, base: str, org: str, screenshot: Shot) -> None:
    """An OAuth application: a token generated with one scope, and its consent page."""
    web.goto(f"{base}/organization/{org}/applications/")
    screenshot(web, "applications")
    web.fill("#id_name", "CI dashboard")
    web.fill("#id_redirect_uri", "https://ci.example.com/callback")
    _submit(web, "#application-form")
    expect(web.locator("#secret-reveal")).to_be_visible()
    screenshot(web, "application")
    authorize_url = web.locator("#authorize-url").inner_text().strip()
    web.locator("#generate-token").click()
    web.locator('input[name=scopes][value="repo:read"]').check()
    _submit(web, "#token-form")
    expect(web.locator("#oauth-token")).not_to_be_empty()
    screenshot(web, "application-token")
    web.goto(authorize_url)
    expect(web.locator("#requested-scopes")).to_contain_text("View all visible repositories")
    expect(web.locator("#allow")).to_be_visible()
    screenshot(web, "oauth-consent")


def test_org_admin_sets_up_a_robot_that_pushes_and_sees_the_tag(
    web: Page, registry_server: RegistryServer, new_tools: Callable[[str], ContainerTools], screenshot: Shot
) -> None:
    base, org = registry_server.url, f"web{secrets.token_hex(3)}"
    web.goto(f"{base}/signin")
    screenshot(web, "signin")
    sign_in(web, base, "alice")
    screenshot(web, "repositories")
    token = _create_org_team_robot(web, base, org, screenshot)
    _create_repository_and_grant(web, base, org, screenshot)

    robot = new_tools("web-robot")
    robot.run("podman", "login", "--tls-verify=false", "-u", f"{org}+pusher", "-p", token, robot.registry)
    robot.image_build("first", [secrets.token_bytes(3000)])
    robot.push("first", f"{org}/app:v1")

    web.goto(f"{base}/repository/{org}/app/")
    first_row = web.locator('tr[data-tag="v1"]')
    expect(first_row).to_contain_text("sha256:")
    first_digest = first_row.locator("a.mono").get_attribute("title")
    assert first_digest is not None
    expect(web.locator("#pull-podman")).to_have_text(
        f"podman pull --tls-verify=false {registry_server.host}/{org}/app:v1"
    )
    screenshot(web, "repository")
    first_row.locator("a.mono").click()
    expect(web.locator("main")).to_contain_text("Layers")
    expect(web.locator("main")).to_contain_text("linux/amd64")
    screenshot(web, "manifest")

    robot.image_build("second", [secrets.token_bytes(3000)])
    robot.push("second", f"{org}/app:v1")
    web.goto(f"{base}/repository/{org}/app/-/history")
    expect(web.locator('#history tr[data-tag="v1"]')).to_have_count(2)
    ended = web.locator('#history tr[data-status="restorable"]')
    expect(ended).to_contain_text(first_digest[:19])
    screenshot(web, "tag-history")
    ended.locator("button[type=submit]").click()
    expect(web.locator(".messages")).to_contain_text("points at")
    web.goto(f"{base}/repository/{org}/app/")
    expect(web.locator('tr[data-tag="v1"] a.mono').first).to_have_attribute("title", first_digest)
    assert robot.inspect(f"{org}/app:v1")["Digest"] == first_digest

    web.goto(f"{base}/account/")
    screenshot(web, "account")
    web.goto(f"{base}/organization/{org}/logs/")
    expect(web.locator("main")).to_contain_text("create_robot")
    screenshot(web, "usage-logs")
    _create_application_and_consent(web, base, org, screenshot)
    web.set_viewport_size(PHONE)
    web.goto(f"{base}/repository/{org}/app/")
    assert overflowing(web, ".copyline pre, main pre") == []
    screenshot(web, "repository-phone")
    web.set_viewport_size(DESKTOP)

    web.locator("header form button[type=submit]").click()
    web.wait_for_url(f"{base}/signin")
    expect(web.locator(".messages")).to_contain_text("signed out")
    web.goto(f"{base}/organization/{org}/")
    expect(web).to_have_url(re.compile(r"/signin\?next="))
