"""Dockerfile builds against the real server: a context uploaded through the filedrop API, built
by the local executor (buildah, chroot isolation, vfs) from a private base image pulled with the
pull robot's credentials, pushed with the build's own token and pulled back with podman; a
failing Dockerfile ends in ``error`` with its log; a cancel mid-build ends ``cancelled``."""

from __future__ import annotations

import io
import json
import secrets
import tarfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import ContainerTools, RegistryServer

pytestmark = pytest.mark.e2e
BUILD_TIMEOUT = 240
# The smallest base that runs a RUN step: the host's dash as /bin/sh with its C library.
BASE_FILES = {
    "/bin/dash": "/bin/sh",
    "/lib/x86_64-linux-gnu/libc.so.6": "/lib/x86_64-linux-gnu/libc.so.6",
    "/lib64/ld-linux-x86-64.so.2": "/lib64/ld-linux-x86-64.so.2",
}
SETUP = """
from oauth2_provider.models import Application
from orgs.models import Organization, User
from orgs.oauth import oauth_token_generate
from orgs.services import robot_create
from orgs.services.applications import application_create
from registry.services.permissions import permission_set
from registry.services.repositories import repository_create
alice = User.objects.get(username="alice")
acme = Organization.objects.get(namespace__name="acme")
owned, _ = application_create(organization=acme, name="builds{suffix}", actor=alice)
_, raw = oauth_token_generate(
    application=owned.application, user=alice, scopes=["repo:read", "repo:write", "repo:create"], actor=alice
)
print("TOKEN=" + raw)
robot, robot_token = robot_create(namespace=acme.namespace, short_name="puller{suffix}", actor=alice)
base = repository_create(namespace_name="acme", name="base{suffix}", visibility="private", actor=alice)
permission_set(repository=base, user=robot.user, role="read", actor=alice)
print("ROBOT=" + robot.user.username)
"""


@dataclass
class BuildApi:
    server: RegistryServer
    token: str

    def call(
        self, method: str, path: str, body: object = None, *, data: bytes | None = None
    ) -> tuple[int, dict]:
        payload = data if data is not None else (json.dumps(body).encode() if body is not None else None)
        url = path if path.startswith("http") else f"{self.server.url}{path}"
        request = urllib.request.Request(url, data=payload, method=method)
        if data is None:
            request.add_header("Authorization", f"Bearer {self.token}")
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw and raw[:1] in b'{["' else {}
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def upload(self, content: bytes) -> str:
        status, drop = self.call("POST", "/api/v1/filedrop/", {"mimeType": "application/x-tar"})
        assert status == 200, drop
        status, _ = self.call("PUT", drop["url"], data=content)
        assert status == 200
        return drop["file_id"]

    def build(self, repository: str, dockerfile: str, **request: object) -> dict:
        file_id = self.upload(_context({"Dockerfile": dockerfile.encode()}))
        status, build = self.call(
            "POST", f"/api/v1/repository/{repository}/build/", {"file_id": file_id, **request}
        )
        assert status == 201, build
        return build

    def wait(self, repository: str, build_id: str, phases: set[str], timeout: float = BUILD_TIMEOUT) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, build = self.call("GET", f"/api/v1/repository/{repository}/build/{build_id}/status")
            assert status == 200, build
            if build["phase"] in phases:
                return build
            time.sleep(0.5)
        raise AssertionError(f"build {build_id} still {build['phase']} after {timeout}s")

    def logs(self, repository: str, build_id: str) -> list[dict]:
        status, body = self.call("GET", f"/api/v1/repository/{repository}/build/{build_id}/logs?start=0")
        assert status == 200, body
        return body["logs"]


def _context(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in files.items():
            member = tarfile.TarInfo(name)
            member.size = len(content)
            archive.addfile(member, io.BytesIO(content))
    return buffer.getvalue()


REPOSITORY_SETUP = """
from orgs.models import User
from registry.services.repositories import repository_create
alice = User.objects.get(username="alice")
repository_create(namespace_name="acme", name={name!r}, visibility="private", actor=alice)
"""


def _repository_create(api: BuildApi, full_name: str) -> None:
    api.server.shell(REPOSITORY_SETUP.format(name=full_name.split("/", 1)[1]))


@dataclass
class BuildSetup:
    api: BuildApi
    suffix: str
    robot: str
    base: str


@pytest.fixture(scope="module")
def build_setup(
    registry_server: RegistryServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BuildSetup]:
    suffix = secrets.token_hex(3)
    output = registry_server.shell(SETUP.format(suffix=suffix)).stdout
    values = dict(line.split("=", 1) for line in output.splitlines() if "=" in line)
    tools = ContainerTools(tmp_path_factory.mktemp("build-base") / "tools", registry_server.host)
    tools.login("alice")
    container = tools.run("buildah", "from", "scratch").stdout.strip()
    for source, target in BASE_FILES.items():
        tools.run("buildah", "copy", container, source, target)
    tools.run("buildah", "commit", "--quiet", container, "localhost/buildbase")
    base = f"acme/base{suffix}:1"
    tools.push("buildbase", base)
    yield BuildSetup(
        BuildApi(registry_server, values["TOKEN"]), suffix, values["ROBOT"], f"{registry_server.host}/{base}"
    )


def test_uploaded_context_builds_pushes_and_pulls_back(build_setup: BuildSetup, new_tools) -> None:
    repository = f"acme/built{build_setup.suffix}"
    api = build_setup.api
    _repository_create(api, repository)
    dockerfile = f'FROM {build_setup.base}\nARG GREETING\nRUN echo "$GREETING from RUN" > /built.txt\n'
    build = api.build(
        repository,
        dockerfile,
        docker_tags=["v1", "latest"],
        pull_robot=build_setup.robot,
        build_args={"GREETING": "hi"},
    )
    assert build["phase"] == "waiting"
    done = api.wait(repository, build["id"], {"complete", "error", "cancelled", "expired"})
    logs = api.logs(repository, build["id"])
    assert done["phase"] == "complete", [entry["message"] for entry in logs][-30:]
    phases = [entry["message"] for entry in logs if entry.get("type") == "phase"]
    assert phases == ["build-scheduled", "unpacking", "pulling", "building", "pushing", "complete"]
    assert set(done["phase_times"]) >= {"waiting", "build-scheduled", "building", "pushing", "complete"}

    tools: ContainerTools = new_tools("build-puller")
    tools.login("alice")
    image = f"{tools.registry}/{repository}:v1"
    tools.run("podman", "pull", "--tls-verify=false", "--quiet", image)
    container = tools.run("buildah", "from", image).stdout.strip()
    mount = tools.run("buildah", "mount", container).stdout.strip()
    assert Path(mount, "built.txt").read_text() == "hi from RUN\n"


def test_failing_dockerfile_ends_in_error_with_its_log(build_setup: BuildSetup) -> None:
    repository = f"acme/failing{build_setup.suffix}"
    api = build_setup.api
    _repository_create(api, repository)
    # A base named by a build argument: buildah bud pulls it itself, over plain HTTP, as the robot.
    build = api.build(
        repository,
        "ARG BASE\nFROM ${BASE}\nRUN echo about to fail && exit 3\n",
        pull_robot=build_setup.robot,
        build_args={"BASE": build_setup.base},
    )
    done = api.wait(repository, build["id"], {"complete", "error", "cancelled", "expired"})
    assert done["phase"] == "error"
    assert done["error"] == "buildah bud exited with status 3"
    messages = [entry["message"] for entry in api.logs(repository, build["id"])]
    assert "about to fail" in messages
    assert messages[-1] == done["error"]


def test_cancel_mid_build_ends_cancelled(build_setup: BuildSetup) -> None:
    repository = f"acme/cancelled{build_setup.suffix}"
    api = build_setup.api
    _repository_create(api, repository)
    # `read` waits on a pipe nobody writes: the RUN step lasts until it is killed.
    build = api.build(
        repository,
        f"FROM {build_setup.base}\nRUN echo started; read forever < /dev/zero\n",
        pull_robot=build_setup.robot,
    )
    api.wait(repository, build["id"], {"building"}, timeout=120)
    deadline = time.monotonic() + 60
    while "started" not in [entry["message"] for entry in api.logs(repository, build["id"])]:
        assert time.monotonic() < deadline, "the RUN step did not start"
        time.sleep(0.3)
    status, _ = api.call("DELETE", f"/api/v1/repository/{repository}/build/{build['id']}")
    assert status == 201
    done = api.wait(repository, build["id"], {"complete", "error", "cancelled", "expired"}, timeout=30)
    assert done["phase"] == "cancelled"
