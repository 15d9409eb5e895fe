"""Retries with backoff, the failure limit and its reset, against a real HTTP receiver. The
retry clock is driven by moving ``next_attempt_at`` into the past; nothing sleeps."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from notifications.delivery import deliveries_claim, deliveries_send, retry_delay
from notifications.events import event_record
from notifications.models import Delivery, DeliveryAttempt, Notification
from notifications.services import notification_create, notification_reset
from notifications.tasks import deliveries_due_task
from registry.services.repositories import repository_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_targets")]


@pytest.fixture
def webhook(alice, webhook_receiver) -> Notification:
    repository = repository_create(namespace_name="alice", name="app", visibility="private", actor=alice)
    return notification_create(
        namespace=repository.namespace,
        repository=repository,
        event="repo_push",
        method="webhook",
        config={"url": webhook_receiver.url()},
        actor=alice,
    )


def record_push(notification: Notification, tag: str = "v1") -> Delivery:
    count = event_record(
        "repo_push",
        namespace_id=notification.namespace_id,
        repository_id=notification.repository_id,
        payload={"repository": "alice/app", "updated_tags": [tag]},
    )
    assert count == 1
    return Delivery.objects.latest("pk")


def come_due() -> None:
    Delivery.objects.filter(status="pending").update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_receiver_failing_three_times_then_accepting_gets_one_accepted_delivery(webhook, webhook_receiver):
    webhook_receiver.statuses = [500, 503, 502]
    delivery = record_push(webhook)
    for _ in range(4):
        deliveries_send()
        come_due()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 4)
    assert [a.ok for a in DeliveryAttempt.objects.order_by("pk")] == [False, False, False, True]
    assert [a.status_code for a in DeliveryAttempt.objects.order_by("pk")] == [500, 503, 502, 200]
    keys = {hook.headers["Idempotency-Key"] for hook in webhook_receiver.received}
    assert keys == {str(delivery.idempotency_key)} and len(webhook_receiver.received) == 4
    webhook.refresh_from_db()
    assert (webhook.number_of_failures, webhook.enabled) == (0, True)


def test_a_failed_attempt_waits_longer_each_time(settings, webhook, webhook_receiver):
    settings.NOTIFICATION_RETRY_SECONDS = 30
    webhook_receiver.statuses = [500, 500]
    delivery = record_push(webhook)
    deliveries_send()
    delivery.refresh_from_db()
    first_wait = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=25) < first_wait <= timedelta(seconds=30)
    # Not due yet: nothing is sent.
    assert deliveries_send() == 0
    come_due()
    deliveries_send()
    delivery.refresh_from_db()
    assert timedelta(seconds=55) < delivery.next_attempt_at - timezone.now() <= timedelta(seconds=60)
    assert retry_delay(3) == timedelta(seconds=120)


def test_deliveries_out_of_attempts_past_the_limit_disable_until_reset(
    settings, webhook, webhook_receiver, alice
):
    settings.NOTIFICATION_DELIVERY_ATTEMPTS = 2
    settings.NOTIFICATION_FAILURE_LIMIT = 3
    webhook_receiver.statuses = [500] * 6
    for tag in ("v1", "v2", "v3"):
        record_push(webhook, tag)
        deliveries_send()
        come_due()
        deliveries_send()
    webhook.refresh_from_db()
    assert (webhook.number_of_failures, webhook.enabled) == (3, False)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"failed"}
    # Disabled: a new event records nothing, and nothing is sent.
    assert (
        event_record(
            "repo_push", namespace_id=webhook.namespace_id, repository_id=webhook.repository_id, payload={}
        )
        == 0
    )

    notification_reset(notification=webhook, actor=alice)
    delivery = record_push(webhook, "v4")
    deliveries_send()
    delivery.refresh_from_db()
    webhook.refresh_from_db()
    assert delivery.status == "delivered"
    assert (webhook.number_of_failures, webhook.enabled) == (0, True)
    assert len(webhook_receiver.received) == 7


def test_a_delivery_claimed_by_one_worker_is_not_claimed_again(webhook):
    record_push(webhook)
    assert len(deliveries_claim()) == 1
    # The lease moved it ahead: a second worker finds nothing due.
    assert deliveries_claim() == []


def test_periodic_run_with_nothing_due_costs_one_query(webhook, django_assert_num_queries):
    delivery = record_push(webhook)
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() + timedelta(hours=1))
    with django_assert_num_queries(1):
        assert deliveries_due_task() == 0


def test_periodic_run_sends_what_came_due(webhook, webhook_receiver):
    delivery = record_push(webhook)
    assert deliveries_due_task() == 1
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert len(webhook_receiver.received) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_delivery_another_worker_holds_is_skipped_not_waited_for(webhook):
    # Rows written directly: event_record would hand them to the in-process worker at once.
    for tag in ("v1", "v2", "v3"):
        Delivery.objects.create(
            notification=webhook,
            event="repo_push",
            payload={"updated_tags": [tag]},
            next_attempt_at=timezone.now(),
        )
    first = Delivery.objects.order_by("pk").first()
    claimed: list[int] = []
    with transaction.atomic():
        # This connection is the other worker, mid-claim: its row stays locked until it commits.
        Delivery.objects.select_for_update().filter(pk=first.pk).get()
        worker = threading.Thread(target=lambda: claimed.extend(_claim_and_close()))
        worker.start()
        worker.join(10)
        assert not worker.is_alive()
    assert sorted(claimed) == sorted(Delivery.objects.exclude(pk=first.pk).values_list("pk", flat=True))


def _claim_and_close() -> list[int]:
    try:
        return deliveries_claim()
    finally:
        connection.close()
