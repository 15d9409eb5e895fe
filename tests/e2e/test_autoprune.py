"""Auto-prune in the embedded default, run by the server itself: eight tags pushed with podman
under a number_of_tags: 3 policy leave the three newest within one poll period."""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import FEATURES_SERVER_SETTINGS, ContainerTools, RegistryServer

pytestmark = pytest.mark.e2e
POLL_PERIOD = int(FEATURES_SERVER_SETTINGS["QUAY_AUTO_PRUNING_POLL_PERIOD"])
# The policy's task is due at once; the server's next run comes within the period, and the run
# itself, on a machine busy with other tests, gets a few seconds more.
SLACK = 5
POLICY_SETUP = """
from orgs.models import User
from orgs.services import organization_create
organization_create(name="prunefast", creator=User.objects.get(username="alice"))
"""
POLICY_CREATE = """
from orgs.models import Namespace, User
from pruning.services import namespace_policy_create
namespace_policy_create(
    actor=User.objects.get(username="alice"),
    namespace=Namespace.objects.get(name="prunefast"),
    method="number_of_tags",
    value=3,
)
"""


def _tags(tools: ContainerTools) -> list[str]:
    listed = tools.run("skopeo", "list-tags", "--tls-verify=false", tools.ref("prunefast/app"))
    return sorted(json.loads(listed.stdout)["Tags"])


def test_a_number_of_tags_policy_leaves_the_three_newest_within_one_poll_period(
    features_server: RegistryServer, tmp_path: Path
) -> None:
    features_server.shell(POLICY_SETUP)
    tools = ContainerTools(tmp_path / "tools", features_server.host)
    tools.login("alice")
    tools.image_build("prunefast:1", [secrets.token_bytes(256)])
    names = [f"v{n}" for n in range(1, 9)]
    for name in names:
        tools.push("prunefast:1", f"prunefast/app:{name}")
    assert _tags(tools) == names

    features_server.shell(POLICY_CREATE)
    created = time.monotonic()
    while (tags := _tags(tools)) != ["v6", "v7", "v8"]:
        assert time.monotonic() - created < POLL_PERIOD + SLACK, tags
        time.sleep(0.3)
