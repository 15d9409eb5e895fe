"""An organization's own notifications, for quota events, on Quay's namespace notification paths
(/api/v1/organization/{org}/notifications): its admins manage them; members get 403."""

from __future__ import annotations

import pytest

from notifications.models import Delivery, Notification
from orgs.services import team_create
from orgs.services.teams import team_member_add
from tests.api_fixtures import repository_make
from tests.notifications.rows import attempts_make, notification_make

pytestmark = pytest.mark.django_db

BASE = "/api/v1/organization/acme/notifications"
QUOTA = {
    "event": "quota_warning",
    "method": "email",
    "config": {"email": "ops@example.com"},
    "eventConfig": {},
}


def _post(client, url: str, body: object):
    return client.post(url, body, content_type="application/json")


def test_an_admin_creates_a_quota_notification_and_reads_it_back(alice_client, acme):
    created = _post(alice_client, BASE, QUOTA)
    assert created.status_code == 201
    row = Notification.objects.get()
    assert (row.namespace, row.repository, row.event, row.method) == (
        acme.namespace,
        None,
        "quota_warning",
        "email",
    )
    listed = alice_client.get(BASE).json()["notifications"]
    assert listed == [created.json()]
    assert alice_client.get(f"{BASE}/{row.uuid}").json() == created.json()


def test_the_listing_leaves_out_the_repositories_notifications(alice_client, acme):
    notification_make(acme.namespace, repository_make(acme, "app"))
    assert alice_client.get(BASE).json() == {"notifications": []}


def test_an_event_other_than_quotas_is_a_400(alice_client, acme):
    response = _post(alice_client, BASE, {**QUOTA, "event": "repo_push"})
    assert response.status_code == 400
    assert "Must be one of: quota_error, quota_warning" in response.json()["error_message"]
    assert not Notification.objects.exists()


def test_reset_test_attempts_and_delete(alice_client, acme):
    notification = notification_make(
        acme.namespace, None, event="quota_error", number_of_failures=3, enabled=False
    )
    attempts_make(notification, [(False, None, "connection refused")])
    one = f"{BASE}/{notification.uuid}"
    assert alice_client.post(one).status_code == 204
    notification.refresh_from_db()
    assert (notification.number_of_failures, notification.enabled) == (0, True)
    assert alice_client.post(one + "/test").json() == {}
    assert Delivery.objects.filter(notification=notification).count() == 2
    attempts = alice_client.get(one + "/attempts").json()["attempts"]
    assert [(row["ok"], row["status_code"], row["error"]) for row in attempts] == [
        (False, None, "connection refused")
    ]
    assert alice_client.delete(one).status_code == 204
    assert alice_client.get(one).status_code == 404
    assert alice_client.delete(one).status_code == 400


def test_a_member_gets_403_everywhere_and_changes_nothing(bob_client, bob, acme):
    team_member_add(team=team_create(organization=acme, name="devs", role="member"), user=bob)
    notification = notification_make(acme.namespace, None, event="quota_warning", number_of_failures=1)
    one = f"{BASE}/{notification.uuid}"
    responses = [
        bob_client.get(BASE),
        _post(bob_client, BASE, QUOTA),
        bob_client.get(one),
        bob_client.delete(one),
        bob_client.post(one),
        bob_client.post(one + "/test"),
        bob_client.get(one + "/attempts"),
    ]
    assert {response.status_code for response in responses} == {403}
    notification.refresh_from_db()
    assert notification.number_of_failures == 1
    assert Notification.objects.count() == 1
    assert not Delivery.objects.exists()


def test_an_unknown_organization_is_a_404(alice_client, acme):
    assert alice_client.get("/api/v1/organization/nobody/notifications").status_code == 404
