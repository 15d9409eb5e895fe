"""Quota's events reach the namespace's notifications, written in the same transaction as the
quota event row (a warning's is the push's own)."""

from __future__ import annotations

import pytest

from notifications.delivery import deliveries_send
from notifications.models import Delivery, UserNotification
from notifications.services import notification_create
from orgs.models import Namespace
from quota.models import NamespaceQuota, QuotaEvent, QuotaLimit
from tests.registry.pushing import image_manifest, push_blob, push_manifest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_targets")]
CONFIG = b'{"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers"}}'


@pytest.fixture(autouse=True)
def quota_on(settings):
    settings.FEATURE_QUOTA_MANAGEMENT = True
    settings.DEFAULT_SYSTEM_REJECT_QUOTA_BYTES = 0


def quota_set(namespace: str, limit_bytes: int, **rules: int) -> None:
    quota = NamespaceQuota.objects.create(
        namespace=Namespace.objects.get(name=namespace), limit_bytes=limit_bytes
    )
    for kind, percent in rules.items():
        QuotaLimit.objects.create(quota=quota, kind=kind, threshold_percent=percent)


def push(registry, layers: list[bytes]):
    for blob in [CONFIG, *layers]:
        push_blob(registry, "acme/app", blob)
    return push_manifest(registry, "acme/app", "v1", image_manifest(CONFIG, layers))


def test_quota_warning_reaches_a_namespace_webhook(as_alice, acme, alice, webhook_receiver):
    namespace = Namespace.objects.get(name="acme")
    notification_create(
        namespace=namespace, event="quota_warning", method="webhook", config={"url": webhook_receiver.url()}
    )
    quota_set("acme", 4000, Warning=50, Reject=100)
    assert push(as_alice, [b"x" * 2500]).status_code == 201
    [delivery] = Delivery.objects.all()
    deliveries_send()
    [hook] = webhook_receiver.received
    body = hook.json()
    assert (body["namespace"], body["repository"], body["threshold_percent"]) == ("acme", "acme/app", 50)
    assert body["usage_bytes"] > 2500 and body["limit_bytes"] == 4000
    assert hook.headers["X-Quay-Event"] == "quota_warning"
    assert QuotaEvent.objects.get().kind == "quota_warning"


def test_quota_error_reaches_the_admins_in_app(as_alice, acme, alice):
    namespace = Namespace.objects.get(name="acme")
    notification_create(namespace=namespace, event="quota_error", method="quay_notification", config={})
    quota_set("acme", 300, Reject=100)
    assert push(as_alice, [b"x" * 400]).status_code == 403
    # The refused push rolled back; the error event and its delivery stay.
    assert Delivery.objects.get().event == "quota_error"
    deliveries_send()
    [note] = UserNotification.objects.all()
    assert (note.user, note.kind, note.metadata["namespace"], note.read) == (
        alice,
        "quota_error",
        "acme",
        False,
    )


def test_no_notification_no_delivery(as_alice, acme):
    quota_set("acme", 4000, Warning=50)
    assert push(as_alice, [b"x" * 2500]).status_code == 201
    assert QuotaEvent.objects.count() == 1
    assert Delivery.objects.count() == 0
