"""The build manager hears of a lost pod from the Kubernetes executor at its next watch, with
the reason, rather than only once the heartbeat times out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import timezone

from builds.executors.registry import executor_for
from builds.manager import builds_watch
from builds.models import BuildLogEntry, RepositoryBuild
from registry.models import Repository
from tests.builds.kubernetes_api import KubernetesApi, kubernetes_api_replaying
from tests.builds.test_kubernetes_executor import BUILD_UUID


@pytest.fixture
def kubernetes(settings, request) -> Iterator[KubernetesApi]:
    with kubernetes_api_replaying(request.param) as api:
        settings.KUBERNETES_EXECUTOR_CONFIG = {"K8S_API_SERVER": api.url}
        executor_for.cache_clear()
        yield api
    executor_for.cache_clear()


def running_build(repository: Repository) -> RepositoryBuild:
    now = timezone.now()
    return RepositoryBuild.objects.create(
        uuid=BUILD_UUID, repository=repository, display_name="app", phase="building", source={},
        executor="kubernetes", attempts=1, heartbeat=now,
    )  # fmt: skip


@pytest.mark.parametrize("kubernetes", ["pod_oom_killed"], indirect=True)
def test_an_oom_killed_pod_sends_the_build_back_to_the_queue_saying_why(kubernetes, repository) -> None:
    build = running_build(repository)

    assert builds_watch() == 1

    build.refresh_from_db()
    assert build.phase == "waiting"
    messages = list(
        BuildLogEntry.objects.filter(build=build).order_by("index").values_list("message", flat=True)
    )
    assert messages[0] == "the build's pod failed: OOMKilled, exit code 137"


@pytest.mark.parametrize("kubernetes", ["job_running"], indirect=True)
def test_a_running_pod_leaves_the_build_alone(kubernetes, repository) -> None:
    build = running_build(repository)

    assert builds_watch() == 0

    build.refresh_from_db()
    assert build.phase == "building"
    assert [request.method for request in kubernetes.requests] == ["GET"]


@pytest.mark.parametrize("kubernetes", ["job_forbidden"], indirect=True)
def test_an_api_that_cannot_tell_leaves_it_to_the_heartbeat(kubernetes, repository) -> None:
    build = running_build(repository)

    assert builds_watch() == 0

    build.refresh_from_db()
    assert build.phase == "building"
