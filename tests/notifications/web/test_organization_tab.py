"""An organization's Notifications tab: its admins add quota notifications and manage them."""

from __future__ import annotations

import pytest

from notifications.models import Notification
from orgs.services import team_create
from orgs.services.teams import team_member_add
from tests.notifications.rows import notification_make

pytestmark = pytest.mark.django_db

TAB = "/organization/acme/notifications/"


def test_the_tab_is_in_the_admins_header_and_lists_the_namespaces_notifications(alice_web, acme):
    notification_make(acme.namespace, None, event="quota_error", title="Quota pager")
    assert TAB in alice_web.get("/organization/acme/").content.decode()
    page = alice_web.get(TAB).content.decode()
    assert "Quota pager" in page
    assert "Quota Error" in page
    # The form offers the namespace's events only.
    assert 'value="quota_warning"' in page
    assert 'value="repo_push"' not in page


def test_the_form_adds_a_quota_notification(alice_web, acme):
    form = {"event": "quota_warning", "method": "email", "config": '{"email": "ops@example.com"}'}
    assert alice_web.post(TAB, form).status_code == 302
    created = Notification.objects.get()
    assert (created.namespace, created.repository, created.event) == (acme.namespace, None, "quota_warning")


def test_a_bad_form_shows_its_errors_and_adds_nothing(alice_web, acme):
    response = alice_web.post(TAB, {"event": "repo_push", "method": "email", "config": "{"})
    assert response.status_code == 200
    assert "not JSON" in response.content.decode()
    assert not Notification.objects.exists()


def test_reset_and_delete_from_the_tab(alice_web, acme):
    notification = notification_make(acme.namespace, None, event="quota_warning", number_of_failures=3)
    alice_web.post(f"{TAB}{notification.uuid}/reset")
    notification.refresh_from_db()
    assert notification.number_of_failures == 0
    alice_web.post(f"{TAB}{notification.uuid}/delete")
    assert not Notification.objects.exists()


def test_a_member_is_refused_the_tab(bob_web, bob, acme):
    team_member_add(team=team_create(organization=acme, name="devs", role="member"), user=bob)
    notification = notification_make(acme.namespace, None, event="quota_warning")
    assert bob_web.get(TAB).status_code == 403
    assert bob_web.post(f"{TAB}{notification.uuid}/delete").status_code == 403
    assert TAB not in bob_web.get("/organization/acme/").content.decode()
    assert Notification.objects.count() == 1
