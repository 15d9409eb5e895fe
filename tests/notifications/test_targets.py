"""The SSRF guard: webhook and Slack targets on loopback, private, link-local (cloud metadata)
or other non-public addresses are refused unless NOTIFICATION_ALLOW_PRIVATE_TARGETS is set;
redirects are not followed."""

from __future__ import annotations

import pytest

from notifications.delivery import deliveries_send
from notifications.events import event_record
from notifications.http_post import TargetRefused, target_resolve
from notifications.models import Delivery, DeliveryAttempt
from notifications.services import notification_create

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.7/hook",
        "http://[::1]/hook",
        "http://localhost/hook",
        "http://0.0.0.0/hook",
        "http://[::ffff:127.0.0.1]/hook",
    ],
)
def test_non_public_targets_are_refused_by_default(url):
    with pytest.raises(TargetRefused):
        target_resolve(url)


def test_a_public_address_passes():
    assert target_resolve("https://93.184.215.14/hook") == ("https", "93.184.215.14", 443)


def test_the_setting_allows_loopback(private_targets):
    assert target_resolve("http://127.0.0.1:8080/x") == ("http", "127.0.0.1", 8080)


def _webhook_to(alice, url: str):
    return notification_create(
        namespace=alice.namespace, event="quota_warning", method="webhook", config={"url": url}, actor=alice
    )


def test_a_refused_target_is_a_failed_attempt_that_never_connects(alice, webhook_receiver):
    _webhook_to(alice, webhook_receiver.url())
    _webhook_to(alice, "http://169.254.169.254/latest/meta-data/")
    assert event_record("quota_warning", namespace_id=alice.namespace_id, payload={"namespace": "alice"}) == 2
    deliveries_send()
    errors = sorted(DeliveryAttempt.objects.values_list("error", flat=True))
    assert all(error.startswith("target refused: ") for error in errors), errors
    assert "127.0.0.1" in errors[0] + errors[1] and "169.254.169.254" in errors[0] + errors[1]
    assert webhook_receiver.received == []
    assert set(Delivery.objects.values_list("status", flat=True)) == {"pending"}


def test_a_redirect_is_not_followed(alice, webhook_receiver, private_targets):
    webhook_receiver.statuses = [302]
    _webhook_to(alice, webhook_receiver.url())
    event_record("quota_warning", namespace_id=alice.namespace_id, payload={"namespace": "alice"})
    deliveries_send()
    [attempt] = DeliveryAttempt.objects.all()
    assert (attempt.ok, attempt.status_code) == (False, 302)
    assert [hook.path for hook in webhook_receiver.received] == ["/hook"]
