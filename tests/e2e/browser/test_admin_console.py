"""The superuser console: disabling a user in the admin stops their next podman login; its
lists fit the window, at desktop and phone widths."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.conftest import overflowing

if TYPE_CHECKING:
    from tests.e2e.conftest import ContainerTools, RegistryServer

pytestmark = pytest.mark.e2e

USERS_SETUP = """
from orgs.services import user_create
user_create(username="{root}", password="{password}", superuser=True)
user_create(username="{user}", password="{password}")
"""


def test_superuser_disables_a_user_whose_next_podman_login_fails(
    web: Page,
    registry_server: RegistryServer,
    new_tools: Callable[[str], ContainerTools],
    screenshot: Callable[[Page, str], None],
) -> None:
    suffix, password = secrets.token_hex(3), secrets.token_urlsafe(12)
    root, user = f"root{suffix}", f"dave{suffix}"
    registry_server.shell(USERS_SETUP.format(root=root, user=user, password=password))
    login = ("podman", "login", "--tls-verify=false", "-u", user, "-p", password)
    before = new_tools("dave-before")
    before.run(*login, before.registry)

    base = registry_server.url
    web.goto(f"{base}/admin/login/")
    web.fill("#id_username", root)
    web.fill("#id_password", password)
    web.locator("#login-form [type=submit]").click()
    web.goto(f"{base}/admin/orgs/user/?q={user}")
    web.locator(f'tr:has-text("{user}") input[name=_selected_action]').check()
    web.select_option("select[name=action]", "disable_users")
    web.locator("button[name=index]").click()
    expect(web.locator("ul.messagelist")).to_contain_text("1 user(s) disabled")
    screenshot(web, "admin-users")
    for width, label in ((1280, "desktop"), (390, "phone")):
        web.set_viewport_size({"width": width, "height": 800})
        for model in ("orgs/user", "orgs/auditlog", "orgs/robotaccount", "registry/repository"):
            web.goto(f"{base}/admin/{model}/")
            screenshot(web, f"admin-{model.replace('/', '-')}-{label}")
            assert overflowing(web, "#changelist-form .results") == [], (model, label)
    web.set_viewport_size({"width": 1280, "height": 800})
    web.goto(f"{base}/admin/")
    expect(web.locator("#audit-recent")).to_contain_text("user_disable")
    screenshot(web, "admin-index")

    after = new_tools("dave-after")
    after.run_failing(*login, after.registry)
