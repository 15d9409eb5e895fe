"""The Notifications panel on a repository's settings page: its admins see the notifications with
their latest attempts, add one (event, method, settings), test, reset and delete it."""

from __future__ import annotations

import pytest

from notifications.models import Delivery, Notification
from registry.services.permissions import permission_set
from tests.api_fixtures import repository_make
from tests.notifications.rows import attempts_make, notification_make

pytestmark = pytest.mark.django_db

SETTINGS = "/repository/acme/app/-/settings"
FORM = {
    "event": "repo_push",
    "method": "webhook",
    "title": "CI",
    "config": '{"url": "https://ci.example.com/"}',
}


@pytest.fixture
def app(acme):
    return repository_make(acme, "app")


def test_the_settings_page_shows_each_notification_with_its_latest_attempts(alice_web, app, acme):
    notification = notification_make(acme.namespace, app, title="Deploy hook", number_of_failures=1)
    attempts_make(notification, [(False, 502, "HTTP 502 from the target")])
    page = alice_web.get(SETTINGS).content.decode()
    assert 'id="notifications"' in page
    assert "Deploy hook" in page
    assert "Push to Repository" in page
    assert "HTTP 502 from the target" in page
    assert f"/-/settings/notifications/{notification.uuid}/test" in page


def test_the_form_adds_a_notification_and_returns_to_the_panel(alice_web, app):
    response = alice_web.post(SETTINGS + "/notifications", FORM)
    assert (response.status_code, response["Location"]) == (302, SETTINGS + "#notifications")
    created = Notification.objects.get()
    assert (created.repository, created.title, created.config) == (
        app,
        "CI",
        {"url": "https://ci.example.com/"},
    )


@pytest.mark.parametrize(
    "change",
    [{"config": "{not json"}, {"config": '["https://x"]'}, {"event": "repo_pull"}, {"config": "{}"}],
)
def test_bad_input_adds_nothing_and_says_why(alice_web, app, change):
    response = alice_web.post(SETTINGS + "/notifications", {**FORM, **change}, follow=True)
    assert "Notification not added" in response.content.decode()
    assert not Notification.objects.exists()


def test_the_buttons_test_reset_and_delete(alice_web, app, acme):
    notification = notification_make(acme.namespace, app, number_of_failures=3, enabled=False)
    one = f"{SETTINGS}/notifications/{notification.uuid}/"
    assert "disabled" in alice_web.get(SETTINGS).content.decode()
    assert alice_web.post(one + "reset").status_code == 302
    notification.refresh_from_db()
    assert (notification.number_of_failures, notification.enabled) == (0, True)
    alice_web.post(one + "test")
    assert Delivery.objects.filter(notification=notification).count() == 1
    alice_web.post(one + "delete")
    assert not Notification.objects.exists()
    assert alice_web.post(one + "delete").status_code == 404


def test_a_writer_may_not_use_the_panels_forms(bob_web, bob, app, acme):
    permission_set(repository=app, user=bob, role="write")
    notification = notification_make(acme.namespace, app, number_of_failures=2)
    assert bob_web.post(SETTINGS + "/notifications", FORM).status_code == 403
    assert bob_web.post(f"{SETTINGS}/notifications/{notification.uuid}/reset").status_code == 403
    notification.refresh_from_db()
    assert notification.number_of_failures == 2
    assert Notification.objects.count() == 1
