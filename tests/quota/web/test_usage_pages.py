"""The usage bars and tables on the organization, account and repository pages, and the superuser
console's namespaces by usage: exact bytes, only with FEATURE_QUOTA_MANAGEMENT on, only for the
namespace's members and superusers."""

from __future__ import annotations

import os
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from orgs.models import Namespace
from orgs.services import user_create
from orgs.web.panels import account_page_panels, organization_page_panels
from quota.models import NamespaceQuota, QuotaLimit
from quota.selectors import repository_usage, sizes_stored
from registry.models import Repository
from registry.web.panels import repository_page_panels
from tests.quota.test_accounting import push_image
from tests.web_fixtures import signed_in

pytestmark = pytest.mark.django_db
MB = 1_000_000


@pytest.fixture(autouse=True)
def quota_on(settings):
    settings.FEATURE_QUOTA_MANAGEMENT = True
    settings.PUSH_TEMP_TAG_EXPIRATION_SEC = 0


@pytest.fixture
def acme_images(as_alice, acme) -> dict[int, int]:
    """acme/big and acme/small share a layer; acme has a 10 MB quota with Warning and Reject."""
    shared = os.urandom(3000)
    push_image(as_alice, "acme/big", "v1", [shared, os.urandom(9000)])
    push_image(as_alice, "acme/small", "v1", [shared])
    quota = NamespaceQuota.objects.create(namespace=acme.namespace, limit_bytes=10 * MB)
    QuotaLimit.objects.create(quota=quota, kind="Warning", threshold_percent=80)
    QuotaLimit.objects.create(quota=quota, kind="Reject", threshold_percent=100)
    return sizes_stored(namespace_id=acme.namespace_id).repository_bytes


def usage_card(response) -> str:
    """The page from the usage card on (the card holds a bar, the limits and a table)."""
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('id="quota-usage"') == 1
    return page[page.index('id="quota-usage"') :]


def test_the_organization_page_shows_its_usage_limits_and_repositories_largest_first(
    alice_web, acme_images, acme
):
    card = usage_card(alice_web.get("/organization/acme/"))

    stored = sizes_stored(namespace_id=acme.namespace_id).namespace_bytes
    assert f'data-used="{stored}"' in card
    assert f"({stored} bytes)" in card
    assert f'data-limit="{10 * MB}"' in card
    assert f"{stored * 100 / (10 * MB):.1f}%" in card
    assert 'class="usage-mark warning" style="left: 80%"' in card
    assert 'class="usage-mark reject" style="left: 100%"' in card
    assert "Warning</span> at 80% (8000000 bytes)" in card
    assert "Reject</span> at 100% (10000000 bytes)" in card
    rows = re.findall(r'<tr data-repository="(\w+)">.*?data-bytes="(\d+)"', card, re.S)
    big, small = (Repository.objects.get(name=name).pk for name in ("big", "small"))
    assert rows == [("big", str(acme_images[big])), ("small", str(acme_images[small]))]


def test_the_account_page_shows_the_users_own_usage(as_alice, alice_web):
    push_image(as_alice, "alice/app", "v1", [os.urandom(500)])
    card = usage_card(alice_web.get("/account/"))

    stored = sizes_stored(namespace_id=Namespace.objects.get(name="alice").pk).namespace_bytes
    assert f'data-used="{stored}"' in card
    assert "no limit" in card
    assert "quota-repositories" not in card


def test_the_registry_default_limit_applies_without_a_quota(settings, as_alice, alice_web):
    settings.DEFAULT_SYSTEM_REJECT_QUOTA_BYTES = 5 * MB
    push_image(as_alice, "alice/app", "v1", [os.urandom(500)])
    card = usage_card(alice_web.get("/account/"))

    assert f'data-limit="{5 * MB}"' in card
    assert "the registry's default" in card


def test_the_repository_page_shows_the_repositorys_bytes_against_the_namespace_limit(alice_web, acme_images):
    card = usage_card(alice_web.get("/repository/acme/small/"))

    usage = repository_usage(repository_id=Repository.objects.get(name="small").pk)
    assert f'data-used="{usage.total_bytes}"' in card
    assert f'data-limit="{10 * MB}"' in card
    assert f'data-bytes="{usage.exclusive_bytes}"' in card
    assert f'data-bytes="{usage.reclaimable_bytes}"' in card
    # The layer it shares with acme/big is not its alone.
    assert usage.exclusive_bytes < usage.total_bytes


def test_nothing_shows_with_the_feature_off(settings, alice_web, acme_images):
    settings.FEATURE_QUOTA_MANAGEMENT = False
    for path in ("/organization/acme/", "/repository/acme/small/", "/account/"):
        response = alice_web.get(path)
        assert response.status_code == 200, path
        assert b"quota-usage" not in response.content, path


@pytest.mark.parametrize("path", ["/organization/acme/", "/repository/acme/small/", "/account/"])
def test_the_pages_read_nothing_more_with_the_feature_off(settings, alice_web, acme_images, path):
    settings.FEATURE_QUOTA_MANAGEMENT = False
    with CaptureQueriesContext(connection) as off:
        alice_web.get(path)
    panels = {
        "/organization/acme/": organization_page_panels,
        "/repository/acme/small/": repository_page_panels,
        "/account/": account_page_panels,
    }[path]
    saved = list(panels)
    # Only quota's panels go: another app's panel (scanning's) reads what it reads either way.
    panels[:] = [panel for panel in saved if panel.__module__ != "quota.web.panels"]
    try:
        with CaptureQueriesContext(connection) as without_quota:
            alice_web.get(path)
    finally:
        panels[:] = saved
    assert len(off) == len(without_quota)


def test_a_non_member_sees_no_usage_of_a_public_repository_and_no_organization_page(acme_images):
    Repository.objects.filter(name="small").update(is_public=True)
    bob = signed_in(user_create(username="bob", password="bob password 1"))
    for client in (bob, Client()):
        response = client.get("/repository/acme/small/")
        assert response.status_code == 200
        assert b"quota-usage" not in response.content
    assert bob.get("/organization/acme/").status_code == 404
    assert b"quota-usage" not in bob.get("/organization/acme/").content


def test_a_member_without_admin_rights_sees_the_organizations_usage(
    bob_in_acme_readers, bob_web, acme_images
):
    assert "data-used=" in usage_card(bob_web.get("/organization/acme/"))


@pytest.fixture
def root_web(db) -> Client:
    return signed_in(user_create(username="root", password="root password", superuser=True))


def test_the_console_lists_namespaces_by_usage_with_their_quota(root_web, acme_images, acme, as_bob):
    push_image(as_bob, "bob/tiny", "v1", [os.urandom(10)])
    response = root_web.get("/admin/quota/namespacesize/")

    assert response.status_code == 200
    page = response.content.decode()
    rows = re.findall(r'<tr data-namespace="(\w+)">.*?data-bytes="(\d+)".*?data-limit="(\d*)"', page, re.S)
    acme_bytes = sizes_stored(namespace_id=acme.namespace_id).namespace_bytes
    bob_bytes = sizes_stored(namespace_id=Namespace.objects.get(name="bob").pk).namespace_bytes
    assert rows[:2] == [("acme", str(acme_bytes), str(10 * MB)), ("bob", str(bob_bytes), "")]
    assert "Warning at 80%, Reject at 100%" in page
    assert "/admin/quota/namespacesize/" in root_web.get("/admin/").content.decode()


def test_the_console_page_is_for_superusers_with_the_feature_on(settings, root_web, alice_web, acme_images):
    assert alice_web.get("/admin/quota/namespacesize/").status_code == 302
    settings.FEATURE_QUOTA_MANAGEMENT = False
    assert root_web.get("/admin/quota/namespacesize/").status_code == 403
    assert "/admin/quota/namespacesize/" not in root_web.get("/admin/").content.decode()
