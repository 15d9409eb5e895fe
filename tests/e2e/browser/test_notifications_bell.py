"""In the browser, an in-app notification shows under the header's bell with its count, and
marking it read on the notifications page clears the count."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.conftest import sign_in

if TYPE_CHECKING:
    from tests.e2e.conftest import RegistryServer

pytestmark = pytest.mark.e2e

# A person of their own: the shared server's alice and bob collect other tests' notifications.
SETUP = """
from notifications.models import UserNotification
from orgs.services import user_create
person = user_create(username="{name}", password="{password}")
UserNotification.objects.create(
    user=person, kind="repo_push", metadata={{"repository": "{name}/app", "message": "{message}"}}
)
"""


def test_an_in_app_notification_shows_under_the_bell_and_is_marked_read(
    web: Page, registry_server: RegistryServer, screenshot: Callable[[Page, str], None]
) -> None:
    base, name = registry_server.url, f"bell{secrets.token_hex(3)}"
    password, message = secrets.token_urlsafe(12), f"pushed {secrets.token_hex(3)}"
    registry_server.shell(SETUP.format(name=name, password=password, message=message))
    sign_in(web, base, name, password)
    expect(web.locator("#notification-count")).to_have_text("1")
    web.locator("#notification-bell").click()
    web.wait_for_url(f"{base}/notifications/")
    row = web.locator("#inbox tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Push to Repository")
    expect(row).to_contain_text(message)
    screenshot(web, "notifications")
    row.locator("button", has_text="Mark read").click()
    web.wait_for_url(f"{base}/notifications/")
    expect(row).to_contain_text("read")
    expect(row.locator("button")).to_have_count(0)
    expect(web.locator("#notification-count")).to_have_count(0)
