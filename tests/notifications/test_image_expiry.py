"""``repo_image_expiry``: the periodic job tells each notification once of a tag whose
expiration comes within its days, again when the expiration changes, never of tags without
one, beyond the window or deleted. The tags are set and changed through the registry's services."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.image_expiry import image_expiry_notify
from notifications.models import Delivery, Notification
from notifications.services import NotificationInvalid, notification_create
from quaysite import jobs
from registry.services.repositories import repository_create
from registry.services.tags import tag_delete, tag_expiration_set
from tests.api_fixtures import manifest_make, tag_make
from tests.notifications.receivers import WAIT_SECONDS

pytestmark = pytest.mark.django_db(transaction=False)

HOOK = {"url": "https://hooks.example.com/expiry"}


@pytest.fixture
def repository(alice, acme):
    return repository_create(namespace_name="acme", name="app", visibility="private", actor=alice)


@pytest.fixture
def tags(repository):
    """v1 and v2 without expiry, each its own manifest."""
    now = timezone.now()
    made = {}
    for name in ("v1", "v2", "v3"):
        manifest = manifest_make(repository, f'{{"tag": "{name}"}}'.encode())
        made[name] = tag_make(repository, name, manifest, start=now - timedelta(hours=1))
    return made


def _notification(repository, alice, days: int = 5):
    return notification_create(
        namespace=repository.namespace,
        repository=repository,
        event="repo_image_expiry",
        method="webhook",
        config=HOOK,
        event_config={"days": days},
        actor=alice,
    )


def _expire_in(alice, repository, name: str, delta: timedelta) -> None:
    tag_expiration_set(actor=alice, repository=repository, name=name, expiration=timezone.now() + delta)


def _told(notification) -> list[dict]:
    return [d.payload for d in Delivery.objects.filter(notification=notification).order_by("pk")]


def test_a_tag_within_the_days_is_told_of_exactly_once(alice, repository, tags):
    notification = _notification(repository, alice, days=5)
    _expire_in(alice, repository, "v1", timedelta(days=2))
    assert image_expiry_notify() == 1
    assert image_expiry_notify() == 0
    [payload] = _told(notification)
    assert payload["repository"] == "acme/app"
    assert (payload["tags"], payload["expiring_in"]) == (["v1"], "5 days")
    [told] = payload["expiring_tags"]
    assert told["manifest_digest"] == tags["v1"].manifest.digest


def test_tags_without_expiry_or_beyond_the_days_are_not_told_of(alice, repository, tags):
    notification = _notification(repository, alice, days=5)
    _expire_in(alice, repository, "v2", timedelta(days=6))
    assert image_expiry_notify() == 0
    assert _told(notification) == []
    # The window moves with time: a day later v2 is within it.
    assert image_expiry_notify(now=timezone.now() + timedelta(days=1, minutes=1)) == 1
    assert [p["tags"] for p in _told(notification)] == [["v2"]]


def test_a_changed_expiry_is_told_of_again(alice, repository, tags):
    notification = _notification(repository, alice, days=5)
    _expire_in(alice, repository, "v1", timedelta(days=2))
    image_expiry_notify()
    _expire_in(alice, repository, "v1", timedelta(days=3))
    _expire_in(alice, repository, "v3", timedelta(days=4))
    assert image_expiry_notify() == 1
    assert image_expiry_notify() == 0
    assert [p["tags"] for p in _told(notification)] == [["v1"], ["v1", "v3"]]


def test_a_deleted_tag_is_not_told_of(alice, repository, tags):
    notification = _notification(repository, alice, days=5)
    _expire_in(alice, repository, "v1", timedelta(days=2))
    tag_delete(actor=alice, repository=repository, name="v1")
    assert image_expiry_notify() == 0
    assert _told(notification) == []


def test_each_notification_hears_its_own_days(alice, repository, tags):
    short = _notification(repository, alice, days=1)
    long = _notification(repository, alice, days=10)
    _expire_in(alice, repository, "v1", timedelta(hours=12))
    _expire_in(alice, repository, "v2", timedelta(days=7))
    assert image_expiry_notify() == 2
    assert [p["tags"] for p in _told(short)] == [["v1"]]
    assert [p["tags"] for p in _told(long)] == [["v1", "v2"]]


def test_a_disabled_notification_is_not_told(alice, repository, tags):
    notification = _notification(repository, alice)
    notification.enabled = False
    notification.save(update_fields=["enabled"])
    _expire_in(alice, repository, "v1", timedelta(days=2))
    assert image_expiry_notify() == 0


def test_a_run_with_nothing_near_expiry_costs_two_queries(alice, repository, tags):
    with CaptureQueriesContext(connection) as none_listening:
        image_expiry_notify()
    _notification(repository, alice)
    _expire_in(alice, repository, "v1", timedelta(days=30))
    with CaptureQueriesContext(connection) as nothing_near:
        image_expiry_notify()

    # The transaction's savepoint statements aside.
    def counted(captured):
        return [q for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]

    assert len(counted(none_listening)) == 1
    assert len(counted(nothing_near)) == 2


@pytest.mark.parametrize(
    "event_config", [{}, {"days": 0}, {"days": -3}, {"days": "5"}, {"days": True}, {"days": 2.5}]
)
def test_days_must_be_a_positive_whole_number(alice, repository, event_config):
    with pytest.raises(NotificationInvalid):
        notification_create(
            namespace=repository.namespace,
            repository=repository,
            event="repo_image_expiry",
            method="webhook",
            config=HOOK,
            event_config=event_config,
        )


def _run_and_close() -> int:
    try:
        return image_expiry_notify()
    finally:
        connection.close()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("private_targets", "in_process_jobs")
def test_a_notification_another_process_holds_is_skipped_then_told_once(
    alice, repository, tags, webhook_receiver
):
    notification = notification_create(
        namespace=repository.namespace,
        repository=repository,
        event="repo_image_expiry",
        method="webhook",
        config={"url": webhook_receiver.url()},
        event_config={"days": 5},
        actor=alice,
    )
    _expire_in(alice, repository, "v1", timedelta(days=2))
    results: list[int] = []
    with transaction.atomic():
        # This connection is the other server process, mid-run: the notification stays locked.
        Notification.objects.select_for_update().get(pk=notification.pk)
        other = threading.Thread(target=lambda: results.append(_run_and_close()))
        other.start()
        other.join(WAIT_SECONDS)
        assert not other.is_alive()
    assert results == [0]
    assert image_expiry_notify() == 1
    assert image_expiry_notify() == 0
    assert jobs.in_process_worker_wait_idle(WAIT_SECONDS)
    [hook] = webhook_receiver.wait_for(1)
    assert (hook.json()["tags"], hook.json()["expiring_in"]) == (["v1"], "5 days")
    assert len(webhook_receiver.wait_for(2, timeout=1)) == 1
