"""Repository notifications on Quay's paths and JSON: its admins list, create, read, delete,
reset and test them; others get 403 (404 for a repository they cannot read); bad input is Quay's
400 and changes nothing; a missing notification is a 404 to read and Quay's 400 to change."""

from __future__ import annotations

import pytest
from django.test import Client

from notifications.models import Delivery, Notification
from registry.services.permissions import permission_set
from tests.api_fixtures import bearer, repository_make, token_for
from tests.notifications.rows import HOOK, attempts_make, notification_make

pytestmark = pytest.mark.django_db

BASE = "/api/v1/repository/acme/app/notification/"


@pytest.fixture
def app(acme):
    return repository_make(acme, "app")


def _post(client, url: str, body: object):
    return client.post(url, body, content_type="application/json")


def _quay_view(notification: Notification) -> dict:
    return {
        "uuid": str(notification.uuid),
        "title": notification.title,
        "event": notification.event,
        "method": notification.method,
        "config": notification.config,
        "event_config": notification.event_config,
        "number_of_failures": notification.number_of_failures,
        "enabled": notification.enabled,
    }


def test_an_admin_creates_a_webhook_notification_in_quays_json(alice_client, app):
    body = {"event": "repo_push", "method": "webhook", "config": HOOK, "eventConfig": {}, "title": "CI"}
    response = _post(alice_client, BASE, body)
    assert response.status_code == 201
    created = Notification.objects.get()
    assert (created.repository, created.namespace, created.title) == (app, app.namespace, "CI")
    assert response.json() == {
        "uuid": str(created.uuid),
        "title": "CI",
        "event": "repo_push",
        "method": "webhook",
        "config": HOOK,
        "event_config": {},
        "number_of_failures": 0,
        "enabled": True,
    }


def test_the_listing_and_a_get_show_the_repositorys_notifications_only(alice_client, app, acme):
    mine = notification_make(acme.namespace, app, title="mine")
    notification_make(acme.namespace, repository_make(acme, "other"))
    notification_make(acme.namespace, None, event="quota_warning")
    assert alice_client.get(BASE).json() == {"notifications": [_quay_view(mine)]}
    assert alice_client.get(BASE + str(mine.uuid)).json() == _quay_view(mine)


def test_a_post_on_a_notification_resets_its_failures_and_enables_it(alice_client, app, acme):
    failing = notification_make(acme.namespace, app, number_of_failures=3, enabled=False)
    response = alice_client.post(BASE + str(failing.uuid))
    assert response.status_code == 204
    failing.refresh_from_db()
    assert (failing.number_of_failures, failing.enabled) == (0, True)


def test_delete_removes_the_notification(alice_client, app, acme):
    notification = notification_make(acme.namespace, app)
    assert alice_client.delete(BASE + str(notification.uuid)).status_code == 204
    assert not Notification.objects.exists()


def test_test_queues_one_delivery_of_the_events_sample(alice_client, app, acme):
    notification = notification_make(acme.namespace, app)
    response = alice_client.post(BASE + str(notification.uuid) + "/test")
    assert (response.status_code, response.json()) == (200, {})
    delivery = Delivery.objects.get()
    assert (delivery.notification, delivery.event) == (notification, "repo_push")


def test_attempts_list_the_latest_first(alice_client, app, acme):
    notification = notification_make(acme.namespace, app)
    attempts_make(notification, [(False, 500, "HTTP 500 from the target"), (True, 200, "")])
    body = alice_client.get(BASE + str(notification.uuid) + "/attempts").json()
    assert [(row["ok"], row["status_code"], row["error"], row["elapsed_ms"]) for row in body["attempts"]] == [
        (True, 200, "", 11),
        (False, 500, "HTTP 500 from the target", 10),
    ]


def test_a_missing_notification_is_404_to_read_and_400_to_change(alice_client, app, acme):
    other = notification_make(acme.namespace, repository_make(acme, "other"))
    for uuid in (str(other.uuid), "not-a-uuid"):
        assert alice_client.get(BASE + uuid).status_code == 404
        assert alice_client.get(BASE + uuid + "/attempts").status_code == 404
        for response in (
            alice_client.delete(BASE + uuid),
            alice_client.post(BASE + uuid),
            alice_client.post(BASE + uuid + "/test"),
        ):
            assert response.status_code == 400
            assert response.json()["error_message"].startswith("No notification found for: acme/app")
    assert Notification.objects.filter(pk=other.pk).exists()
    assert not Delivery.objects.exists()


PUSH_HOOK = {"event": "repo_push", "method": "webhook", "config": HOOK, "eventConfig": {}}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"event": None}, "event:"),
        ({"eventConfig": None}, "eventConfig:"),
        ({"config": "https://x"}, "config:"),
        ({"event": "repo_pull"}, "Unable to find event: repo_pull"),
        ({"method": "carrier_pigeon"}, "Unable to find method: carrier_pigeon"),
        ({"config": {}}, "Missing webhook URL"),
        ({"config": {"url": "ftp://hooks.example.com/"}}, "Invalid webhook URL"),
        ({"method": "email", "config": {"email": "not-an-address"}}, "Invalid e-mail address"),
        ({"eventConfig": {"days": 0}}, "days must be a positive whole number"),
    ],
)
def test_bad_input_is_quays_400_and_creates_nothing(alice_client, app, change, message):
    body = {key: value for key, value in {**PUSH_HOOK, **change}.items() if value is not None}
    response = _post(alice_client, BASE, body)
    assert response.status_code == 400
    assert response.json()["error_type"] == "invalid_request"
    assert message in response.json()["error_message"]
    assert not Notification.objects.exists()


def test_a_body_that_is_not_an_object_is_a_400(alice_client, app):
    response = _post(alice_client, BASE, ["repo_push"])
    assert response.status_code == 400
    assert not Notification.objects.exists()


def _every_call(client, uuid: str) -> list:
    body = {"event": "repo_push", "method": "webhook", "config": HOOK, "eventConfig": {}}
    return [
        client.get(BASE),
        _post(client, BASE, body),
        client.get(BASE + uuid),
        client.delete(BASE + uuid),
        client.post(BASE + uuid),
        client.post(BASE + uuid + "/test"),
        client.get(BASE + uuid + "/attempts"),
    ]


def test_a_writer_gets_403_on_every_path_and_changes_nothing(bob_client, bob, app, acme):
    permission_set(repository=app, user=bob, role="write")
    notification = notification_make(acme.namespace, app, number_of_failures=2)
    assert {response.status_code for response in _every_call(bob_client, str(notification.uuid))} == {403}
    notification.refresh_from_db()
    assert notification.number_of_failures == 2
    assert Notification.objects.count() == 1
    assert not Delivery.objects.exists()


def test_a_private_repository_is_404_to_a_stranger_and_401_to_nobody(bob_client, client, app, acme):
    notification = notification_make(acme.namespace, app)
    assert {response.status_code for response in _every_call(bob_client, str(notification.uuid))} == {404}
    assert {response.status_code for response in _every_call(client, str(notification.uuid))} == {401}
    assert Notification.objects.count() == 1


def test_the_nested_repository_path_reaches_its_notifications(alice_client, acme):
    nested = repository_make(acme, "team/app")
    notification = notification_make(acme.namespace, nested)
    response = alice_client.get("/api/v1/repository/acme/team/app/notification/")
    assert [row["uuid"] for row in response.json()["notifications"]] == [str(notification.uuid)]


def test_a_bearer_token_needs_repo_admin(application, alice, app, acme):
    notification = notification_make(acme.namespace, app)
    client = Client()
    read = bearer(token_for(application, alice, "repo:read"))
    assert client.get(BASE, **read).status_code == 403
    assert (
        client.post(BASE + str(notification.uuid), content_type="application/json", **read).status_code == 403
    )
    admin = bearer(token_for(application, alice, "repo:admin"))
    assert [row["uuid"] for row in client.get(BASE, **admin).json()["notifications"]] == [
        str(notification.uuid)
    ]
