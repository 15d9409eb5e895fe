"""A sync's start and its end reach the repository's notifications (through mirroring.hooks,
which notifications subscribes to), written in the worker's transactions; a cancelled sync
sends no end event."""

from __future__ import annotations

import pytest

from mirroring.sync import SyncReport
from mirroring.worker import mirrors_run
from notifications.models import Delivery
from notifications.services import notification_create
from tests.mirroring.mirrors import mirror_make

pytestmark = pytest.mark.django_db
EVENTS = ("repo_mirror_sync_started", "repo_mirror_sync_success", "repo_mirror_sync_failed")


@pytest.fixture
def mirror(acme, alice, mirror_robot):
    mirror = mirror_make(acme, alice, "app", robot=mirror_robot)
    for event in EVENTS:
        notification_create(
            namespace=acme.namespace,
            repository=mirror.repository,
            event=event,
            method="webhook",
            config={"url": "https://hooks.example.com/mirror"},
        )
    return mirror


def _events() -> list[str]:
    return list(Delivery.objects.order_by("pk").values_list("event", flat=True))


def test_a_successful_sync_sends_started_then_success(mirror):
    mirrors_run(sync=lambda claimed, *, cancelled: SyncReport(tags_synced=2))
    assert _events() == ["repo_mirror_sync_started", "repo_mirror_sync_success"]
    payload = Delivery.objects.get(event="repo_mirror_sync_success").payload
    assert (payload["repository"], payload["tags_synced"]) == ("acme/app", 2)
    assert payload["external_reference"] == mirror.external_reference


def test_a_failed_sync_sends_failed_with_the_reason(mirror):
    mirrors_run(sync=lambda claimed, *, cancelled: SyncReport(failed_reason="upstream unreachable"))
    assert _events() == ["repo_mirror_sync_started", "repo_mirror_sync_failed"]
    assert Delivery.objects.get(event="repo_mirror_sync_failed").payload["message"] == "upstream unreachable"


def test_a_cancelled_sync_sends_no_end_event(mirror):
    mirrors_run(sync=lambda claimed, *, cancelled: SyncReport(cancelled=True))
    assert _events() == ["repo_mirror_sync_started"]
