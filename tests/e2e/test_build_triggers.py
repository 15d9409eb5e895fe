"""A build trigger end to end: a bare git repository made with the git CLI holds a Dockerfile
with a RUN step; a signed GitHub-style push webhook makes the server clone it, build it with
buildah, push it, and podman pulls it back. A bad signature queues nothing, and neither does a
branch the trigger's regex filters out. On the features server, which allows file:// sources."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import subprocess
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import ContainerTools, RegistryServer
from tests.e2e.test_builds import BASE_FILES, SETUP, BuildApi

pytestmark = pytest.mark.e2e
ENDED = {"complete", "error", "cancelled", "expired"}
# Triggers are a repository admin's: the build tests' setup, with that scope too.
TRIGGER_SETUP = SETUP.replace('"repo:create"]', '"repo:create", "repo:admin"]')
REPOSITORY_SETUP = """
from orgs.models import User
from registry.services.repositories import repository_create
repository_create(namespace_name="acme", name={name!r}, visibility="private",
                  actor=User.objects.get(username="alice"))
"""


def _git(*args: str, cwd: Path) -> str:
    env = {"GIT_AUTHOR_NAME": "Al", "GIT_AUTHOR_EMAIL": "al@example.com", "GIT_COMMITTER_NAME": "Al"}
    env |= {"GIT_COMMITTER_EMAIL": "al@example.com", "HOME": str(cwd), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True, timeout=60
    ).stdout


@dataclass
class GitSource:
    url: str
    work: Path

    def commit(self, branch: str, dockerfile: str) -> str:
        _git("checkout", "-q", "-B", branch, cwd=self.work)
        (self.work / "Dockerfile").write_text(dockerfile)
        _git("add", "Dockerfile", cwd=self.work)
        _git("commit", "-q", "--allow-empty", "-m", f"build {branch}", cwd=self.work)
        _git("push", "-q", "origin", branch, cwd=self.work)
        return _git("rev-parse", "HEAD", cwd=self.work).strip()


@pytest.fixture
def git_source(tmp_path: Path) -> GitSource:
    bare, work = tmp_path / "app.git", tmp_path / "work"
    work.mkdir()
    _git("init", "-q", "--bare", "-b", "main", str(bare), cwd=tmp_path)
    _git("init", "-q", "-b", "main", cwd=work)
    _git("remote", "add", "origin", str(bare), cwd=work)
    return GitSource(url=f"file://{bare}", work=work)


@dataclass
class TriggerSetup:
    api: BuildApi
    suffix: str
    robot: str
    base: str


@pytest.fixture(scope="module")
def trigger_setup(
    features_server: RegistryServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TriggerSetup]:
    suffix = secrets.token_hex(3)
    output = features_server.shell(TRIGGER_SETUP.format(suffix=suffix)).stdout
    values = dict(line.split("=", 1) for line in output.splitlines() if "=" in line)
    tools = ContainerTools(tmp_path_factory.mktemp("trigger-base") / "tools", features_server.host)
    tools.login("alice")
    container = tools.run("buildah", "from", "scratch").stdout.strip()
    for source, target in BASE_FILES.items():
        tools.run("buildah", "copy", container, source, target)
    tools.run("buildah", "commit", "--quiet", container, "localhost/buildbase")
    tools.push("buildbase", f"acme/base{suffix}:1")
    yield TriggerSetup(
        BuildApi(features_server, values["TOKEN"]),
        suffix,
        values["ROBOT"],
        f"{features_server.host}/acme/base{suffix}:1",
    )


def _trigger(setup: TriggerSetup, repository: str, source: GitSource) -> dict:
    setup.api.server.shell(REPOSITORY_SETUP.format(name=repository.split("/", 1)[1]))
    triggers = f"/api/v1/repository/{repository}/trigger/"
    status, created = setup.api.call("POST", triggers, {"service": "github"})
    assert status == 201, created
    config = {
        "build_source": source.url,
        "branchtag_regex": "heads/main",
        "tag_templates": ["${commit_info.short_sha}"],
    }
    status, activated = setup.api.call(
        "POST", f"{triggers}{created['id']}/activate", {"config": config, "pull_robot": setup.robot}
    )
    assert status == 200, activated
    return activated


def _deliver(trigger: dict, body: bytes, secret: str) -> tuple[int, dict]:
    request = urllib.request.Request(trigger["webhook_url"], data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("X-GitHub-Event", "push")
    request.add_header(
        "X-Hub-Signature-256", "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _push_payload(branch: str, commit: str) -> bytes:
    return json.dumps(
        {
            "ref": f"refs/heads/{branch}",
            "after": commit,
            "head_commit": {"id": commit, "message": f"build {branch}", "author": {"name": "Al"}},
            "repository": {"default_branch": "main"},
        }
    ).encode()


def test_signed_push_builds_and_pushes_the_commit(
    trigger_setup: TriggerSetup, git_source: GitSource, tmp_path: Path
) -> None:
    repository = f"acme/triggered{trigger_setup.suffix}"
    api = trigger_setup.api
    trigger = _trigger(trigger_setup, repository, git_source)
    dockerfile = f"FROM {trigger_setup.base}\nRUN echo built from git > /built.txt\n"
    commit = git_source.commit("main", dockerfile)
    builds_path = f"/api/v1/repository/{repository}/trigger/{trigger['id']}/builds"

    refused = _deliver(trigger, _push_payload("main", commit), "not-the-secret")
    assert refused[0] == 403 and "does not match" in refused[1]["detail"]
    filtered_commit = git_source.commit("dev", dockerfile)
    filtered = _deliver(trigger, _push_payload("dev", filtered_commit), trigger["secret"])
    assert filtered[0] == 200 and "branchtag_regex" in filtered[1]["skipped"]
    assert api.call("GET", builds_path)[1]["builds"] == []

    status, delivered = _deliver(trigger, _push_payload("main", commit), trigger["secret"])
    assert status == 201, delivered
    done = api.wait(repository, delivered["build"], ENDED)
    logs = api.logs(repository, delivered["build"])
    assert done["phase"] == "complete", [entry["message"] for entry in logs][-30:]
    assert done["tags"] == [commit[:7], "main", "latest"]
    assert done["trigger"]["id"] == trigger["id"] and done["trigger_metadata"]["commit"] == commit
    assert [b["id"] for b in api.call("GET", builds_path)[1]["builds"]] == [delivered["build"]]

    tools = ContainerTools(tmp_path / "puller", api.server.host)
    tools.login("alice")
    image = f"{tools.registry}/{repository}:{commit[:7]}"
    tools.run("podman", "pull", "--tls-verify=false", "--quiet", image)
    container = tools.run("buildah", "from", image).stdout.strip()
    mount = tools.run("buildah", "mount", container).stdout.strip()
    assert Path(mount, "built.txt").read_text() == "built from git\n"
