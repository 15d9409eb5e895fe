"""A build's registry logins ($buildtoken): the push token gets push and pull on the build's
repository only, as its performer; the pull token reads as the pull robot; both stop when the
build ends or another attempt starts, and a token of another purpose or build is refused."""

from __future__ import annotations

import pytest

from builds.models import RepositoryBuild
from builds.services import build_request_create
from builds.services.phases import build_phase_set
from builds.tokens import BUILD_USERNAME, build_token_issue
from orgs.services import robot_create
from registry.services.permissions import permission_set
from tests.api_fixtures import repository_make
from tests.conftest import Registry, basic_auth

Phase = RepositoryBuild.Phase


@pytest.fixture
def build(alice, repository, context_drop) -> RepositoryBuild:
    robot, _ = robot_create(namespace=alice.namespace, short_name="puller", actor=alice)
    built = build_request_create(
        repository=repository,
        actor=alice,
        source={"kind": "archive", "resource_key": str(context_drop.file_id)},
        pull_robot=robot.user,
    )
    RepositoryBuild.objects.filter(pk=built.pk).update(attempts=1, phase=Phase.BUILDING)
    built.refresh_from_db()
    return built


def _login(client, build: RepositoryBuild, purpose: str, attempt: int = 1) -> Registry:
    token = build_token_issue(build_uuid=str(build.uuid), attempt=attempt, purpose=purpose)
    return Registry(client, BUILD_USERNAME, token)


def test_push_token_writes_the_builds_repository_only(client, alice, build):
    repository_make(alice, "other")
    pusher = _login(client, build, "push")
    assert pusher.granted("repository:alice/app:pull,push") == ["pull", "push"]
    assert pusher.granted("repository:alice/other:pull,push") == []


def test_pull_token_reads_as_the_pull_robot(client, alice, build):
    base = repository_make(alice, "base")
    puller = _login(client, build, "pull")
    assert puller.granted("repository:alice/base:pull,push") == []
    permission_set(repository=base, user=build.pull_robot, role="write", actor=alice)
    assert puller.granted("repository:alice/base:pull,push") == ["pull"]


def _login_status(client, build: RepositoryBuild, purpose: str, attempt: int = 1) -> int:
    token = build_token_issue(build_uuid=str(build.uuid), attempt=attempt, purpose=purpose)
    response = client.get(
        "/v2/auth", {"service": "testserver"}, HTTP_AUTHORIZATION=basic_auth(BUILD_USERNAME, token)
    )
    return response.status_code


def test_tokens_stop_with_the_build_or_its_attempt(client, build):
    assert _login_status(client, build, "push", attempt=2) == 401
    assert _login_status(client, build, "agent") == 401
    build_phase_set(build=build, phase=Phase.COMPLETE)
    assert _login_status(client, build, "push") == 401
