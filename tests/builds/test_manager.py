"""The build manager: a claim starts a waiting build once; the watch expires builds past the
timeout and starts again those whose executor went silent, up to the attempts cap; an ended
build's log is archived to storage and read back from there."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from builds.archive import build_logs_archive
from builds.executors.base import BuildExecutor, BuildJob
from builds.manager import build_dispatch, builds_watch
from builds.models import BuildLogEntry, RepositoryBuild
from builds.selectors import build_logs_page
from builds.services import build_log_append, build_request_create
from builds.services.phases import build_phase_set

Phase = RepositoryBuild.Phase


class RecordingExecutor(BuildExecutor):
    name = "recording"

    def __init__(self) -> None:
        self.started: list[BuildJob] = []
        self.cancelled: list[str] = []

    def start(self, build: RepositoryBuild, job: BuildJob) -> None:
        self.started.append(job)

    def cancel(self, build: RepositoryBuild) -> None:
        self.cancelled.append(str(build.uuid))


@pytest.fixture
def recording(monkeypatch) -> RecordingExecutor:
    executor = RecordingExecutor()
    # The manager asks for the executor by name; this one records what it is asked.
    monkeypatch.setattr("builds.manager.executor_configured", lambda: executor)
    monkeypatch.setattr("builds.manager.executor_for", lambda name: executor)
    return executor


@pytest.fixture
def build(alice, repository, context_drop) -> RepositoryBuild:
    return build_request_create(
        repository=repository,
        actor=alice,
        source={"kind": "archive", "resource_key": str(context_drop.file_id)},
        tags=["v1"],
        registry_host="registry.test:5000",
    )


def test_dispatch_schedules_a_build_once_with_its_job(build, recording):
    build_dispatch(build_id=build.pk)
    build_dispatch(build_id=build.pk)
    assert len(recording.started) == 1
    job = recording.started[0]
    assert job.push_targets == ["registry.test:5000/alice/app:v1"]
    assert job.push_credentials[0] == "$buildtoken" and job.attempt == 1
    build.refresh_from_db()
    assert (build.phase, build.attempts, build.executor) == (Phase.BUILD_SCHEDULED, 1, "recording")


def test_a_cancelled_waiting_build_is_not_started(build, recording):
    RepositoryBuild.objects.filter(pk=build.pk).update(cancel_requested=True)
    build_dispatch(build_id=build.pk)
    build.refresh_from_db()
    assert build.phase == Phase.CANCELLED and not recording.started


def test_watch_expires_a_build_past_the_timeout(build, recording, settings):
    build_dispatch(build_id=build.pk)
    build.refresh_from_db()
    scheduled = timezone.now() - timedelta(seconds=settings.BUILD_TIMEOUT + 1)
    build.phase_times[Phase.BUILD_SCHEDULED] = scheduled.isoformat()
    build.save(update_fields=["phase_times"])
    assert builds_watch() == 1
    build.refresh_from_db()
    assert build.phase == Phase.EXPIRED and "longer than" in build.error


def test_watch_restarts_a_silent_build_until_the_attempts_cap(build, recording, settings):
    settings.BUILD_MAX_ATTEMPTS = 2
    silent = timezone.now() - timedelta(seconds=settings.BUILD_HEARTBEAT_TIMEOUT + 1)
    build_dispatch(build_id=build.pk)
    RepositoryBuild.objects.filter(pk=build.pk).update(heartbeat=silent)
    assert builds_watch() == 1
    build.refresh_from_db()
    assert build.phase == Phase.WAITING
    build_dispatch(build_id=build.pk)
    assert [job.attempt for job in recording.started] == [1, 2]
    RepositoryBuild.objects.filter(pk=build.pk).update(heartbeat=silent)
    assert builds_watch() == 1
    build.refresh_from_db()
    assert build.phase == Phase.ERROR and "lost 2 times" in build.error


def test_a_report_of_a_lost_attempt_is_ignored(build, recording):
    build_dispatch(build_id=build.pk)
    RepositoryBuild.objects.filter(pk=build.pk).update(attempts=2)
    assert build_phase_set(build=build, phase=Phase.BUILDING, attempt=1) is None
    build.refresh_from_db()
    assert build.phase == Phase.BUILD_SCHEDULED


def test_an_ended_builds_log_is_archived_and_read_back(build, isolated_storage):
    build_log_append(build=build, message="step one")
    build_log_append(build=build, message="step two", kind="command")
    build_phase_set(build=build, phase=Phase.COMPLETE)
    live_total, live = build_logs_page(build=build, start=1)
    assert build_logs_archive(build_id=build.pk)
    build.refresh_from_db()
    assert build.logs_archived and not BuildLogEntry.objects.filter(build=build).exists()
    assert list(isolated_storage.rglob("*.jsonl.gz"))
    archived_total, archived = build_logs_page(build=build, start=1)
    assert (archived_total, archived) == (live_total, live)
    assert [entry["message"] for entry in archived] == ["step two", "complete"]
    assert not build_logs_archive(build_id=build.pk)


def test_a_running_builds_log_is_not_archived(build):
    build_log_append(build=build, message="still going")
    assert not build_logs_archive(build_id=build.pk)


def test_expiry_counts_from_the_attempts_start_not_the_queue(build, recording, settings):
    RepositoryBuild.objects.filter(pk=build.pk).update(
        started=timezone.now() - timedelta(seconds=settings.BUILD_TIMEOUT + 1)
    )
    build_dispatch(build_id=build.pk)
    assert builds_watch() == 0
    build.refresh_from_db()
    assert build.phase == Phase.BUILD_SCHEDULED


def test_old_uploads_go_unless_a_running_build_needs_them(alice, build, context_drop, isolated_storage):
    from builds.models import FileDrop
    from builds.services.filedrop import filedrops_expire
    from tests.builds.conftest import DOCKERFILE, upload

    spare = upload(alice, DOCKERFILE)
    FileDrop.objects.update(created=timezone.now() - timedelta(days=2))
    assert filedrops_expire(older_than=timedelta(days=1)) == 1
    assert list(FileDrop.objects.values_list("file_id", flat=True)) == [context_drop.file_id]
    assert not (isolated_storage / "filedrop" / str(spare.file_id)).exists()
    build_phase_set(build=build, phase=Phase.COMPLETE)
    assert filedrops_expire(older_than=timedelta(days=1)) == 1


def test_a_trigger_builds_job_carries_its_deploy_key(alice, repository, recording, settings):
    from builds.models import BuildTrigger
    from orgs.secrets import secret_encrypt

    settings.BUILD_ALLOW_LOCAL_SOURCES = True
    trigger = BuildTrigger.objects.create(
        repository=repository,
        service=BuildTrigger.Service.CUSTOM_GIT,
        connected_user=alice,
        private_key_encrypted=secret_encrypt("-----BEGIN OPENSSH PRIVATE KEY-----"),
    )
    build = build_request_create(
        repository=repository,
        actor=None,
        source={"kind": "git", "url": "file:///srv/app.git", "ref": "refs/heads/main"},
        trigger=trigger,
        registry_host="registry.test",
    )
    build_dispatch(build_id=build.pk)
    [job] = recording.started
    assert job.source["private_key"] == "-----BEGIN OPENSSH PRIVATE KEY-----"
    assert job.source["url"] == "file:///srv/app.git"
