"""Playwright drives Debian's Chromium (never a downloaded browser) against the e2e server.

QUAY_SCREENSHOTS=DIR saves a full-page screenshot of each main page into DIR, so a reviewer can
look at every page after one run.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import PASSWORDS

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
# A page that takes longer than this is a failure, not something to wait out.
PAGE_TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (see README, Tests)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def web(page: Page) -> Page:
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    return page


def sign_in(page: Page, base_url: str, username: str, password: str | None = None) -> None:
    page.goto(f"{base_url}/signin")
    page.fill("#id_username", username)
    page.fill("#id_password", password or PASSWORDS[username])
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base_url}/repositories/")


@pytest.fixture
def screenshot() -> Callable[[Page, str], None]:
    folder = os.environ.get("QUAY_SCREENSHOTS")

    def take(page: Page, name: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)

    return take


# Elements whose content is wider than their box: text cut off or scrolled out of sight.
_OVERFLOWING = """selector => Array.from(document.querySelectorAll(selector))
    .filter(element => element.scrollWidth > element.clientWidth + 1)
    .map(element => element.id || element.className || element.tagName)"""


def overflowing(page: Page, selector: str) -> list[str]:
    """The elements matching `selector` that clip their content (none, on a page that fits)."""
    return page.evaluate(_OVERFLOWING, selector)
