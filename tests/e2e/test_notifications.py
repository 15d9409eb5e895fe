"""Notifications with a real client and server: a podman push delivers exactly one webhook and
exactly one e-mail, each with its tag and manifest digest, to a receiver on loopback (the
features server allows private targets) and to the session's SMTP server (its MAIL_* keys)."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest

from tests.e2e.conftest import ContainerTools, RegistryServer
from tests.notifications.receivers import Mailbox, webhook_receiver_running

pytestmark = pytest.mark.e2e
NOTIFICATION_SETUP = """
from orgs.models import User
from orgs.services import organization_create
from notifications.services import notification_create
from registry.services.repositories import repository_create
alice = User.objects.get(username="alice")
organization_create(name={name!r}, creator=alice)
repository = repository_create(namespace_name={name!r}, name="app", visibility="private", actor=alice)
for method, config in (("webhook", {{"url": {url!r}}}), ("email", {{"email": {email!r}}})):
    notification_create(
        namespace=repository.namespace, repository=repository, event="repo_push", method=method,
        config=config, actor=alice,
    )
"""


def test_a_podman_push_delivers_exactly_one_webhook_and_one_email(
    features_server: RegistryServer, features_mailbox: Mailbox, tmp_path: Path
) -> None:
    name = f"hooks{secrets.token_hex(3)}"
    # The session's SMTP server is shared: this test reads only what is sent to its own address.
    email = f"{name}@example.com"
    tools = ContainerTools(tmp_path / "tools", features_server.host)
    tools.login("alice")
    tools.image_build("hooked:1", [secrets.token_bytes(4096)])
    with webhook_receiver_running() as receiver:
        features_server.shell(NOTIFICATION_SETUP.format(name=name, url=receiver.url(), email=email))
        tools.push("hooked:1", f"{name}/app:v1")
        [hook] = receiver.wait_for(1, timeout=30)
        [(recipients, mail)] = features_mailbox.wait_for(1, timeout=30, to=email)
        digest = tools.inspect(f"{name}/app:v1")["Digest"]
        # Nothing more comes: one push, one delivery per notification.
        assert len(receiver.wait_for(2, timeout=2)) == 1
        assert len(features_mailbox.wait_for(2, timeout=0, to=email)) == 1
    body = json.loads(hook.body)
    assert (body["repository"], body["updated_tags"], body["pushed_by"]) == (f"{name}/app", ["v1"], "alice")
    assert body["pushed_image_digests"] == [digest]
    assert hook.headers["Idempotency-Key"] == body["idempotency_key"]
    assert recipients == [email]
    assert mail["Subject"] == f"Repository {name}/app updated"
    payload = mail.get_payload(decode=True)
    assert isinstance(payload, bytes)
    text = payload.decode()
    assert "updated_tags: v1" in text.splitlines()
    assert f"pushed_image_digests: {digest}" in text.splitlines()
    assert mail["Idempotency-Key"] != hook.headers["Idempotency-Key"]
