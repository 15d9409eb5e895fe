"""A robot account end to end with podman: it logs in with its token, pushes where it was
granted write, is refused elsewhere, and is refused everywhere once its token is regenerated."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import ContainerTools, RegistryServer

pytestmark = pytest.mark.e2e

ROBOT_SETUP = """
from orgs.models import Namespace
from orgs.services import robot_create
from registry.services.permissions import permission_set
from registry.models import Repository
acme = Namespace.objects.get(name="acme")
robot, token = robot_create(namespace=acme, short_name="{name}", description="CI pushes")
repository = Repository.objects.get(namespace=acme, name="{repository}")
permission_set(repository=repository, user=robot.user, role="write")
print("TOKEN=" + token)
"""
ROBOT_REGENERATE = """
from orgs.models import RobotAccount
from orgs.services import robot_token_regenerate
robot_token_regenerate(robot=RobotAccount.objects.get(user__username="acme+{name}"))
"""


def _token(output: str) -> str:
    return next(line[6:] for line in output.splitlines() if line.startswith("TOKEN="))


def _robot_login(tools: ContainerTools, username: str, token: str, *, succeed: bool = True) -> None:
    command = ("podman", "login", "--tls-verify=false", "-u", username, "-p", token, tools.registry)
    if succeed:
        tools.run(*command)
    else:
        tools.run_failing(*command)


def _push(tools: ContainerTools, image: str, target: str, *, succeed: bool = True) -> None:
    command = ("podman", "push", "--tls-verify=false", f"localhost/{image}", tools.ref(target))
    if succeed:
        tools.run(*command)
    else:
        tools.run_failing(*command)


def test_robot_pushes_where_granted_and_nowhere_after_regeneration(
    registry_server: RegistryServer, alice_tools: ContainerTools, new_tools
) -> None:
    name, repository = f"ci{secrets.token_hex(3)}", f"robotrepo{secrets.token_hex(3)}"
    alice_tools.image_build("seed", [secrets.token_bytes(256)])
    alice_tools.push("seed", f"acme/{repository}:1")
    token = _token(registry_server.shell(ROBOT_SETUP.format(name=name, repository=repository)).stdout)

    robot = new_tools("robot")
    _robot_login(robot, f"acme+{name}", token)
    robot.image_build("built", [secrets.token_bytes(512)])
    _push(robot, "built", f"acme/{repository}:2")
    assert "2" in robot.inspect(f"acme/{repository}:2")["RepoTags"]
    _push(robot, "built", f"acme/new{secrets.token_hex(3)}:1", succeed=False)
    _push(robot, "built", "alice/robot-target:1", succeed=False)

    registry_server.shell(ROBOT_REGENERATE.format(name=name))
    _push(robot, "built", f"acme/{repository}:3", succeed=False)
    _robot_login(new_tools("robot-again"), f"acme+{name}", token, succeed=False)


def test_robot_token_is_not_a_password_for_another_robot(
    registry_server: RegistryServer, alice_tools: ContainerTools, new_tools
) -> None:
    name, repository = f"ci{secrets.token_hex(3)}", f"robotrepo{secrets.token_hex(3)}"
    alice_tools.image_build("seed", [secrets.token_bytes(256)])
    alice_tools.push("seed", f"acme/{repository}:1")
    token = _token(registry_server.shell(ROBOT_SETUP.format(name=name, repository=repository)).stdout)
    _robot_login(new_tools("robot"), "acme+someoneelse", token, succeed=False)
