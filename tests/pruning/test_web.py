"""The auto-prune pages: an organization's tab and a panel on a repository's settings page, for
admins only, with the dry-run preview listing what would go and deleting nothing."""

from __future__ import annotations

import pytest

from pruning.models import NamespaceAutoPrunePolicy, RepositoryAutoPrunePolicy
from registry.services.permissions import permission_set
from tests.pruning.conftest import live_tags, repository_with_tags

pytestmark = pytest.mark.django_db

ORG_PAGE = "/organization/acme/autoprune/"
SETTINGS = "/repository/acme/app/-/settings"


def test_an_organization_admin_adds_a_policy_and_previews_it(alice_web, acme):
    repository = repository_with_tags(acme, "app", ["v1", "v2", "v3"])
    tabs = alice_web.get("/organization/acme/teams/").content.decode()
    assert f'href="{ORG_PAGE}"' in tabs
    added = alice_web.post(
        ORG_PAGE, {"method": "number_of_tags", "value": "2", "tag_pattern_matches": "true"}
    )
    assert added.status_code == 302
    assert NamespaceAutoPrunePolicy.objects.get().policy["value"] == 2
    page = alice_web.get(ORG_PAGE).content.decode()
    assert "keep the newest 2" in page and "autoprune-preview" not in page
    preview = alice_web.get(ORG_PAGE + "?preview=1").content.decode()
    assert "<td>app</td><td><code>v1</code></td>" in preview
    assert live_tags(repository) == ["v1", "v2", "v3"]


def test_a_bad_value_shows_what_is_allowed(alice_web, acme):
    response = alice_web.post(
        ORG_PAGE, {"method": "creation_date", "value": "soon", "tag_pattern_matches": "true"}
    )
    assert response.status_code == 200
    assert "10s, 45m, 12h, 30d, 2w" in response.content.decode()
    assert not NamespaceAutoPrunePolicy.objects.exists()


def test_an_organization_member_sees_no_tab_and_may_not_open_the_page(bob_web, acme, bob_in_acme_readers):
    assert ORG_PAGE not in bob_web.get("/organization/acme/teams/").content.decode()
    assert bob_web.get(ORG_PAGE).status_code == 403


def test_the_repository_settings_page_holds_the_panel(alice_web, acme):
    repository = repository_with_tags(acme, "app", ["v1", "v2", "v3"])
    added = alice_web.post(
        SETTINGS + "/autoprune", {"method": "creation_date", "value": "90s", "tag_pattern_matches": "true"}
    )
    assert added.status_code == 302
    policy = RepositoryAutoPrunePolicy.objects.get(repository=repository)
    page = alice_web.get(SETTINGS).content.decode()
    assert 'id="autoprune"' in page and "older than 90s" in page
    # Pushed 3, 2 and 1 minutes ago.
    preview = alice_web.get(SETTINGS + "?preview=1").content.decode()
    assert "<code>v1</code>" in preview and "<code>v2</code>" in preview and "<code>v3</code>" not in preview
    removed = alice_web.post(f"{SETTINGS}/autoprune/{policy.uuid}/delete")
    assert removed.status_code == 302 and not RepositoryAutoPrunePolicy.objects.exists()
    assert live_tags(repository) == ["v1", "v2", "v3"]


def test_a_repository_writer_may_not_add_a_policy(alice, bob, bob_web, acme):
    repository = repository_with_tags(acme, "app", ["v1"])
    permission_set(repository=repository, user=bob, role="write", actor=alice)
    response = bob_web.post(
        SETTINGS + "/autoprune", {"method": "number_of_tags", "value": "1", "tag_pattern_matches": "true"}
    )
    assert response.status_code == 403
    assert not RepositoryAutoPrunePolicy.objects.exists()
