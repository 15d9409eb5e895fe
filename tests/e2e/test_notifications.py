"""Notifications with a real client and server: a podman push delivers exactly one webhook, with
its tag and manifest digest, to a receiver on loopback (the features server allows private
targets)."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest

from tests.e2e.conftest import ContainerTools, RegistryServer
from tests.notifications.receivers import webhook_receiver_running

pytestmark = pytest.mark.e2e
NOTIFICATION_SETUP = """
from orgs.models import User
from orgs.services import organization_create
from notifications.services import notification_create
from registry.services.repositories import repository_create
alice = User.objects.get(username="alice")
organization_create(name={name!r}, creator=alice)
repository = repository_create(namespace_name={name!r}, name="app", visibility="private", actor=alice)
notification_create(
    namespace=repository.namespace, repository=repository, event="repo_push", method="webhook",
    config={{"url": {url!r}}}, actor=alice,
)
"""


def test_a_podman_push_delivers_exactly_one_webhook(features_server: RegistryServer, tmp_path: Path) -> None:
    name = f"hooks{secrets.token_hex(3)}"
    tools = ContainerTools(tmp_path / "tools", features_server.host)
    tools.login("alice")
    tools.image_build("hooked:1", [secrets.token_bytes(4096)])
    with webhook_receiver_running() as receiver:
        features_server.shell(NOTIFICATION_SETUP.format(name=name, url=receiver.url()))
        tools.push("hooked:1", f"{name}/app:v1")
        [hook] = receiver.wait_for(1, timeout=30)
        digest = tools.inspect(f"{name}/app:v1")["Digest"]
        # Nothing more comes: one push, one delivery.
        assert len(receiver.wait_for(2, timeout=2)) == 1
    body = json.loads(hook.body)
    assert (body["repository"], body["updated_tags"], body["pushed_by"]) == (f"{name}/app", ["v1"], "alice")
    assert body["pushed_image_digests"] == [digest]
    assert hook.headers["Idempotency-Key"] == body["idempotency_key"]
