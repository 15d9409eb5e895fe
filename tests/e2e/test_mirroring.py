"""Repository mirroring run by the server itself: a mirror of a repository on the shared server
(our own server as the upstream, token auth with alice's credentials) is synced by the features
server's own worker within its poll period, and a hand push to the mirror is refused."""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import FEATURES_SERVER_SETTINGS, PASSWORDS, ContainerTools, RegistryServer

pytestmark = pytest.mark.e2e
POLL_PERIOD = int(FEATURES_SERVER_SETTINGS["QUAY_REPO_MIRROR_INTERVAL"])
# The mirror is due at once; the server's next look comes within the period, and the sync, on a
# machine busy with other tests, gets some seconds more.
SLACK = 20
MIRROR_CREATE = """
from datetime import timedelta
from django.utils import timezone
from mirroring.services import mirror_create
from orgs.models import User
from orgs.services import organization_create, robot_create
from registry.services.repositories import repository_create
alice = User.objects.get(username="alice")
organization = organization_create(name="mirrorfast", creator=alice)
robot_create(namespace=organization.namespace, short_name="sync", actor=alice)
repository = repository_create(namespace_name="mirrorfast", name="app", visibility="private", actor=alice)
mirror_create(
    actor=alice,
    repository=repository,
    robot_username="mirrorfast+sync",
    external_reference="{upstream}/alice/mirrorsource",
    username="alice",
    password="{password}",
    verify_tls=False,
    sync_interval=3600,
    sync_start_date=timezone.now() - timedelta(seconds=1),
    tag_globs=["v*"],
)
"""


def _tags(tools: ContainerTools, repository: str) -> list[str]:
    listed = tools.run("skopeo", "list-tags", "--tls-verify=false", tools.ref(repository))
    return sorted(json.loads(listed.stdout)["Tags"])


def test_the_server_syncs_a_mirror_within_its_poll_period_and_refuses_a_hand_push(
    registry_server: RegistryServer, features_server: RegistryServer, tmp_path: Path
) -> None:
    upstream = ContainerTools(tmp_path / "upstream", registry_server.host)
    upstream.login("alice")
    upstream.image_build("mirrorsource:1", [secrets.token_bytes(512), secrets.token_bytes(256)])
    upstream.push("mirrorsource:1", "alice/mirrorsource:v1")
    upstream.push("mirrorsource:1", "alice/mirrorsource:dev")
    digest = upstream.inspect("alice/mirrorsource:v1")["Digest"]

    features_server.shell(MIRROR_CREATE.format(upstream=registry_server.host, password=PASSWORDS["alice"]))
    local = ContainerTools(tmp_path / "local", features_server.host)
    local.login("alice")
    created = time.monotonic()
    while (tags := _tags(local, "mirrorfast/app")) != ["v1"]:
        assert time.monotonic() - created < POLL_PERIOD + SLACK, tags
        time.sleep(0.5)
    assert local.inspect("mirrorfast/app:v1")["Digest"] == digest

    local.image_build("handmade:1", [secrets.token_bytes(128)])
    refused = local.run_failing(
        "podman", "push", "--tls-verify=false", "localhost/handmade:1", local.ref("mirrorfast/app:hand")
    )
    assert "denied" in (refused.stderr + refused.stdout).lower() or "unauthorized" in refused.stderr.lower()
    assert _tags(local, "mirrorfast/app") == ["v1"]
