"""A push through the real /v2/ endpoints, committed for real, sends its notifications from the
in-process worker to a real HTTP receiver and a real SMTP server; a push that fails sends none."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from notifications.models import Delivery
from notifications.services import notification_create
from orgs.models import Namespace
from quaysite import jobs
from quota.models import NamespaceQuota, QuotaLimit
from registry.models import Repository
from registry.services.repositories import repository_create
from tests.registry.pushing import image_manifest, push_blob, push_image, push_manifest

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("in_process_jobs", "private_targets"),
]
SECRET = "s3cret-signing-key"


@pytest.fixture
def repository(alice) -> Repository:
    return repository_create(namespace_name="alice", name="app", visibility="private", actor=alice)


@pytest.fixture
def webhook(repository, webhook_receiver, alice):
    return notification_create(
        namespace=repository.namespace,
        repository=repository,
        event="repo_push",
        method="webhook",
        config={"url": webhook_receiver.url(), "secret": SECRET},
        actor=alice,
    )


@pytest.fixture
def email(repository, smtp_server, alice):
    return notification_create(
        namespace=repository.namespace,
        repository=repository,
        event="repo_push",
        method="email",
        config={"email": "ops@example.com"},
        actor=alice,
    )


def test_push_gives_one_webhook_and_one_email_with_its_tag_and_digest(
    as_alice, webhook, email, webhook_receiver, smtp_server
):
    digest, _ = push_image(as_alice, "alice/app", "v1")
    assert jobs.in_process_worker_wait_idle(timeout=10)

    [hook] = webhook_receiver.wait_for(1)
    body = hook.json()
    assert (body["repository"], body["updated_tags"], body["pushed_image_digests"]) == (
        "alice/app",
        ["v1"],
        [digest],
    )
    assert body["pushed_by"] == "alice"
    assert hook.headers["Idempotency-Key"] == body["idempotency_key"]
    [(recipients, message)] = smtp_server.wait_for(1)
    assert recipients == ["ops@example.com"]
    assert message["Subject"] == "Repository alice/app updated"
    text = message.get_payload()
    assert "updated_tags: v1" in text and digest in text
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}
    # Nothing more arrives later: one push, one of each.
    assert len(webhook_receiver.wait_for(2, timeout=0.5)) == 1
    assert len(smtp_server.messages) == 1


def test_webhook_signature_is_the_hmac_sha256_of_the_body(as_alice, webhook, webhook_receiver):
    push_image(as_alice, "alice/app", "v1")
    [hook] = webhook_receiver.wait_for(1)
    expected = "sha256=" + hmac.new(SECRET.encode(), hook.body, hashlib.sha256).hexdigest()
    assert hook.headers["X-Quay-Signature"] == expected
    assert hook.headers["X-Quay-Event"] == "repo_push"


def test_refused_manifest_sends_nothing(as_alice, webhook, webhook_receiver):
    # A manifest naming a layer never uploaded: MANIFEST_BLOB_UNKNOWN, the push rolls back.
    config = b'{"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers"}}'
    push_blob(as_alice, "alice/app", config)
    response = push_manifest(as_alice, "alice/app", "v1", image_manifest(config, [b"never uploaded"]))
    assert response.status_code == 400
    assert jobs.in_process_worker_wait_idle(timeout=10)
    assert webhook_receiver.wait_for(1, timeout=0.5) == []
    assert Delivery.objects.count() == 0


def test_push_refused_by_quota_sends_no_repo_push(settings, as_alice, webhook, webhook_receiver):
    settings.FEATURE_QUOTA_MANAGEMENT = True
    quota = NamespaceQuota.objects.create(namespace=Namespace.objects.get(name="alice"), limit_bytes=300)
    QuotaLimit.objects.create(quota=quota, kind="Reject", threshold_percent=100)
    config = b'{"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers"}}'
    layers = [b"a" * 200, b"b" * 200]
    for blob in [config, *layers]:
        push_blob(as_alice, "alice/app", blob)
    response = push_manifest(as_alice, "alice/app", "v1", image_manifest(config, layers))
    assert response.status_code == 403, response.content
    assert jobs.in_process_worker_wait_idle(timeout=10)
    assert webhook_receiver.wait_for(1, timeout=0.5) == []
    assert not Delivery.objects.filter(event="repo_push").exists()
