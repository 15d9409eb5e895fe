"""In the browser, a member without admin rights sees no settings, and is refused them."""

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

READER_SETUP = """
from orgs.models import User
from orgs.services import organization_create, team_create, team_member_add
from registry.services.permissions import permission_set
from registry.services.repositories import repository_create
alice, bob = User.objects.get(username="alice"), User.objects.get(username="bob")
organization = organization_create(name="{org}", creator=alice)
team = team_create(organization=organization, name="readers", role="member")
team_member_add(team=team, user=bob)
repository = repository_create(namespace_name="{org}", name="app", visibility="private", actor=alice)
permission_set(repository=repository, team=team, role="read")
"""


def test_reader_sees_the_repository_but_no_settings(
    web: Page, registry_server: RegistryServer, screenshot: Callable[[Page, str], None]
) -> None:
    base, org = registry_server.url, f"perm{secrets.token_hex(3)}"
    registry_server.shell(READER_SETUP.format(org=org))
    sign_in(web, base, "bob")
    web.goto(f"{base}/repository/{org}/app/")
    expect(web.locator("h1")).to_have_text(f"{org}/app")
    expect(web.locator("#settings-tab")).to_have_count(0)
    refused = web.goto(f"{base}/repository/{org}/app/-/settings")
    assert refused is not None and refused.status == 403
    web.goto(f"{base}/organization/{org}/")
    expect(web.locator("nav.tabs")).not_to_contain_text("Robot accounts")
    screenshot(web, "organization-member")
    refused = web.goto(f"{base}/organization/{org}/robots/")
    assert refused is not None and refused.status == 403
