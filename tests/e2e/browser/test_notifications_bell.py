"""In the browser, an in-app notification shows under the header's bell with its count, and
marking it read on the notifications page clears the count; a repository's admin adds an in-app
notification on its settings page, tests it, and the server's worker delivers it to the bell."""

from __future__ import annotations

import secrets
import time
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


# On a busy machine the server's job thread may take seconds to send it.
DELIVERY_SECONDS = 15

OWNER_SETUP = """
from orgs.services import user_create
from registry.services.repositories import repository_create
person = user_create(username="{name}", password="{password}")
repository_create(namespace_name="{name}", name="app", visibility="private", actor=person)
"""


def test_a_test_of_an_in_app_notification_reaches_the_bell(
    web: Page, registry_server: RegistryServer, screenshot: Callable[[Page, str], None]
) -> None:
    base, name, password = registry_server.url, f"owner{secrets.token_hex(3)}", secrets.token_urlsafe(12)
    registry_server.shell(OWNER_SETUP.format(name=name, password=password))
    sign_in(web, base, name, password)
    web.goto(f"{base}/repository/{name}/app/-/settings")
    web.select_option("#id_notification_event", "repo_push")
    web.select_option("#id_notification_method", "quay_notification")
    web.fill("#id_notification_title", "Pushes to my bell")
    web.locator("#notification-form button[type=submit]").click()
    row = web.locator("#notifications table tbody tr")
    expect(row).to_contain_text("Pushes to my bell")
    expect(web.locator("#notification-count")).to_have_count(0)
    row.locator("button", has_text="Test").click()
    expect(web.locator(".messages")).to_contain_text("Test notification queued")
    # The server's in-process worker sends the test after the commit: a reload shows it.
    deadline = time.monotonic() + DELIVERY_SECONDS
    while time.monotonic() < deadline:
        web.reload()
        if web.locator("#notification-count").count():
            break
        web.wait_for_timeout(250)
    expect(web.locator("#notification-count")).to_have_text("1")
    expect(row).to_contain_text("ok")
    screenshot(web, "repository-notifications")
    web.locator("#notification-bell").click()
    expect(web.locator("#inbox tbody tr")).to_contain_text(f"Repository {name}/app updated")
