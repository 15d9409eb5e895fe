"""Creating, testing and resetting notifications, with Quay's validation messages; the Slack,
template and in-app methods against real receivers."""

from __future__ import annotations

import pytest

from notifications.delivery import deliveries_send
from notifications.events import event_record
from notifications.models import Delivery, Notification, UserNotification
from notifications.selectors import notification_get, user_notification_unread_count
from notifications.services import (
    NotificationInvalid,
    NotificationNotFound,
    notification_create,
    notification_delete,
    notification_reset,
    notification_test,
    user_notification_mark_read,
)
from orgs.models import AuditLog
from orgs.services import team_create, team_member_add
from registry.services.repositories import repository_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def repository(alice, acme):
    return repository_create(namespace_name="acme", name="app", visibility="private", actor=alice)


@pytest.mark.parametrize(
    ("event", "method", "config", "message"),
    [
        ("repo_push", "webhook", {}, "Missing webhook URL"),
        ("repo_push", "webhook", {"url": "ftp://example.com/x"}, "Invalid webhook URL"),
        ("repo_push", "webhook", {"url": "https://example.com", "template": "{nope"}, "Invalid template: "),
        ("repo_push", "email", {}, "Missing e-mail address"),
        ("repo_push", "email", {"email": "not-an-address"}, "Invalid e-mail address: not-an-address"),
        ("repo_push", "slack", {}, "Missing Slack Callback URL"),
        (
            "repo_push",
            "quay_notification",
            {"target": {"kind": "team", "name": "nobody"}},
            "Unknown team nobody",
        ),
        ("repo_pushed", "webhook", {"url": "https://example.com"}, "Unable to find event: repo_pushed"),
        ("repo_push", "carrier_pigeon", {}, "Unable to find method: carrier_pigeon"),
    ],
)
def test_invalid_notifications_are_refused_with_quays_message(repository, event, method, config, message):
    with pytest.raises(NotificationInvalid) as refused:
        notification_create(
            namespace=repository.namespace, repository=repository, event=event, method=method, config=config
        )
    assert str(refused.value).startswith(message)
    assert Notification.objects.count() == 0


def test_create_reset_and_delete_are_audited(repository, alice):
    notification = notification_create(
        namespace=repository.namespace,
        repository=repository,
        event="repo_push",
        method="webhook",
        config={"url": "https://example.com/hook"},
        title="CI",
        actor=alice,
    )
    assert (
        notification_get(namespace=repository.namespace, repository=repository, uuid=str(notification.uuid))
        == notification
    )
    notification_reset(notification=notification, actor=alice)
    notification_delete(notification=notification, actor=alice)
    kinds = list(
        AuditLog.objects.filter(kind__endswith="_repo_notification")
        .order_by("pk")
        .values_list("kind", flat=True)
    )
    assert kinds == ["add_repo_notification", "reset_repo_notification", "delete_repo_notification"]
    with pytest.raises(NotificationNotFound):
        notification_get(namespace=repository.namespace, repository=repository, uuid=str(notification.uuid))


def test_a_test_delivery_sends_sample_data_through_a_body_template(
    repository, webhook_receiver, private_targets
):
    notification = notification_create(
        namespace=repository.namespace,
        repository=repository,
        event="repo_push",
        method="webhook",
        config={
            "url": webhook_receiver.url(),
            "template": '{"repo": "${repository}", "text": "tags ${updated_tags}"}',
        },
    )
    delivery = notification_test(notification=notification)
    assert delivery.payload["notification_uuid"] == str(notification.uuid)
    deliveries_send()
    [hook] = webhook_receiver.received
    assert hook.json() == {"repo": "acme/app", "text": "tags ['latest']"}


def test_slack_gets_its_message_format(repository, webhook_receiver, private_targets):
    notification = notification_create(
        namespace=repository.namespace,
        repository=repository,
        event="repo_push",
        method="slack",
        config={"url": webhook_receiver.url("/services/T0/B0/x")},
    )
    notification_test(notification=notification)
    deliveries_send()
    [hook] = webhook_receiver.received
    message = hook.json()
    assert message["text"] == "Repository acme/app updated"
    assert message["attachments"][0]["title"] == "acme/app"
    assert "Tags: latest" in message["attachments"][0]["text"]


def test_in_app_notifications_go_to_the_admins_and_are_marked_read(repository, alice, bob, acme):
    team = team_create(organization=acme, name="readers", role="member", actor=alice)
    team_member_add(team=team, user=bob, actor=alice)
    notification = notification_create(
        namespace=repository.namespace,
        repository=repository,
        event="repo_push",
        method="quay_notification",
        config={},
    )
    notification_test(notification=notification)
    deliveries_send()
    assert Delivery.objects.get().status == "delivered"
    [note] = UserNotification.objects.all()
    assert (note.user, note.kind, note.metadata["repository"]) == (alice, "repo_push", "acme/app")
    assert user_notification_unread_count(user=alice) == 1
    assert user_notification_mark_read(user=alice, uuids=[str(note.uuid)]) == 1
    assert user_notification_unread_count(user=alice) == 0
    with pytest.raises(NotificationNotFound):
        user_notification_mark_read(user=bob, uuids=[str(note.uuid)])


def test_a_team_target_reaches_its_members(repository, alice, bob, acme):
    team = team_create(organization=acme, name="readers", role="member", actor=alice)
    team_member_add(team=team, user=bob, actor=alice)
    notification = notification_create(
        namespace=repository.namespace,
        repository=repository,
        event="repo_push",
        method="quay_notification",
        config={"target": {"kind": "team", "name": "readers"}},
    )
    notification_test(notification=notification)
    deliveries_send()
    assert list(UserNotification.objects.values_list("user__username", flat=True)) == ["bob"]


def test_vulnerability_notifications_hear_findings_at_least_as_severe_as_their_level(repository):
    notification_create(
        namespace=repository.namespace,
        repository=repository,
        event="vulnerability_found",
        method="quay_notification",
        config={},
        event_config={"level": "High"},
    )

    def found(priority: str) -> int:
        payload = {"repository": "acme/app", "vulnerability": {"id": "CVE-1", "priority": priority}}
        return event_record(
            "vulnerability_found",
            namespace_id=repository.namespace_id,
            repository_id=repository.pk,
            payload=payload,
        )

    assert [found(priority) for priority in ("Critical", "High", "Medium", "Low")] == [1, 1, 0, 0]


def test_an_unreachable_mail_server_is_a_failed_attempt(settings, repository):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", 9, False
    notification = notification_create(
        namespace=repository.namespace,
        repository=repository,
        event="repo_push",
        method="email",
        config={"email": "ops@example.com"},
    )
    delivery = notification_test(notification=notification)
    deliveries_send()
    delivery.refresh_from_db()
    [attempt] = delivery.attempt_log.all()
    assert (delivery.status, delivery.attempts, attempt.ok) == ("pending", 1, False)
    assert "ConnectionRefusedError" in attempt.error
