from __future__ import annotations

import pytest

from builds import hooks
from builds.errors import BuildInvalid, BuildsQueuedTooMany, BuildStateConflict
from builds.models import BuildLogEntry, RepositoryBuild
from builds.services import build_cancel, build_log_append, build_request_create
from builds.services.phases import build_phase_set
from orgs.errors import NotPermitted
from orgs.models import AuditLog
from tests.builds.conftest import DOCKERFILE, context_tar, upload

Phase = RepositoryBuild.Phase


def archive(drop) -> dict:
    return {"kind": "archive", "resource_key": str(drop.file_id)}


def test_request_from_an_uploaded_context_waits_with_its_settings(alice, repository, context_drop):
    build = build_request_create(
        repository=repository,
        actor=alice,
        source=archive(context_drop),
        tags=["1", "latest"],
        build_args={"A": "b"},
    )
    assert build.phase == Phase.WAITING
    assert build.tags == ["1", "latest"]
    assert build.build_args == {"A": "b"}
    assert build.dockerfile_path == "Dockerfile" and build.context == ""
    assert build.source == {"kind": "archive", "resource_key": str(context_drop.file_id), "format": "archive"}
    assert Phase.WAITING in build.phase_times
    assert AuditLog.objects.filter(kind="build_dockerfile", repository=repository).count() == 1


def test_queued_build_is_told_to_event_hooks(alice, repository, context_drop):
    heard: list[hooks.BuildEvent] = []
    hooks.after_build_event.append(heard.append)
    try:
        build = build_request_create(repository=repository, actor=alice, source=archive(context_drop))
    finally:
        hooks.after_build_event.remove(heard.append)
    assert [(event.event, event.build.pk) for event in heard] == [(hooks.BUILD_QUEUED, build.pk)]


def test_dispatch_is_enqueued_on_commit(alice, repository, context_drop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        build_request_create(repository=repository, actor=alice, source=archive(context_drop))
    assert len(callbacks) == 1


# Not "context": pytest-playwright takes a test asking for that name for a browser test (its
# browser context fixture), runs it with the browser tests and leaves its event loop behind.
@pytest.mark.parametrize(
    ("files", "context_dir", "dockerfile_path", "message"),
    [
        ({"hello.txt": b"hi"}, "/", "Dockerfile", "no Dockerfile at /Dockerfile"),
        ({"Dockerfile": DOCKERFILE}, "/", "../Dockerfile", "leaves the build context"),
        ({"sub/Dockerfile": DOCKERFILE}, "/other", "/sub/Dockerfile", "outside the context"),
        ({"sub/Dockerfile": DOCKERFILE}, "/sub/..", "Dockerfile", "leaves the build context"),
    ],
)
def test_bad_context_is_refused_and_nothing_queued(
    alice, repository, files, context_dir, dockerfile_path, message
):
    drop = upload(alice, context_tar(files))
    with pytest.raises(BuildInvalid, match=message):
        build_request_create(
            repository=repository,
            actor=alice,
            source=archive(drop),
            context=context_dir,
            dockerfile_path=dockerfile_path,
        )
    assert not RepositoryBuild.objects.exists()


def test_a_broken_archive_is_refused(alice, repository):
    drop = upload(alice, context_tar({"Dockerfile": DOCKERFILE})[:40])
    with pytest.raises(BuildInvalid, match="not a readable tar archive"):
        build_request_create(repository=repository, actor=alice, source=archive(drop))


def test_binary_that_is_no_archive_is_refused(alice, repository):
    drop = upload(alice, b"\x00\x01\x02" * 100)
    with pytest.raises(BuildInvalid, match="neither a tar archive nor a Dockerfile"):
        build_request_create(repository=repository, actor=alice, source=archive(drop))


def test_a_lone_dockerfile_is_a_context(alice, repository):
    drop = upload(alice, DOCKERFILE)
    build = build_request_create(repository=repository, actor=alice, source=archive(drop))
    assert build.source["format"] == "dockerfile"


def test_another_users_upload_is_not_found(alice, bob, repository):
    drop = upload(bob, DOCKERFILE)
    with pytest.raises(BuildInvalid, match="no uploaded build context"):
        build_request_create(repository=repository, actor=alice, source=archive(drop))


def test_reader_may_not_request_a_build(bob, repository, context_drop):
    with pytest.raises(NotPermitted):
        build_request_create(repository=repository, actor=bob, source=archive(context_drop))


def test_deleted_repository_takes_no_build(alice, repository, context_drop):
    from registry.services.repositories import repository_delete

    repository_delete(repository=repository, actor=alice)
    with pytest.raises(BuildInvalid, match="no longer exists"):
        build_request_create(repository=repository, actor=None, source=archive(context_drop))
    assert not RepositoryBuild.objects.exists()


def test_namespace_cap_refuses_one_more(alice, repository, context_drop, settings):
    settings.DEFAULT_NAMESPACE_MAXIMUM_BUILD_COUNT = 1
    build_request_create(repository=repository, actor=alice, source=archive(context_drop))
    with pytest.raises(BuildsQueuedTooMany):
        build_request_create(repository=repository, actor=alice, source=archive(context_drop))
    assert RepositoryBuild.objects.count() == 1


def test_git_file_sources_need_the_setting(alice, repository, settings):
    source = {"kind": "git", "url": "file:///srv/app.git", "ref": "refs/heads/main"}
    with pytest.raises(BuildInvalid, match="BUILD_ALLOW_LOCAL_SOURCES"):
        build_request_create(repository=repository, actor=None, source=source)
    settings.BUILD_ALLOW_LOCAL_SOURCES = True
    assert (
        build_request_create(repository=repository, actor=None, source=source).source["url"] == source["url"]
    )


def test_cancel_of_a_waiting_build_ends_it_at_once(alice, repository, context_drop):
    build = build_request_create(repository=repository, actor=alice, source=archive(context_drop))
    cancelled = build_cancel(build=build, actor=alice)
    assert cancelled.phase == Phase.CANCELLED
    assert Phase.CANCELLED in cancelled.phase_times
    with pytest.raises(BuildStateConflict):
        build_cancel(build=cancelled, actor=alice)


def test_log_lines_are_indexed_in_order_and_told_after_commit(
    alice, repository, context_drop, django_capture_on_commit_callbacks
):
    build = build_request_create(repository=repository, actor=alice, source=archive(context_drop))
    heard: list[list[int]] = []

    def hear(build, entries):
        heard.append([entry.index for entry in entries])

    hooks.after_log_lines.append(hear)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            build_log_append(build=build, message="one")
            build_log_append(build=build, message="two", kind="command")
    finally:
        hooks.after_log_lines.remove(hear)
    rows = list(
        BuildLogEntry.objects.filter(build=build).order_by("index").values_list("index", "message", "kind")
    )
    assert rows == [(0, "one", "text"), (1, "two", "command")]
    assert heard == [[0], [1]]


def test_phases_are_timestamped_and_an_ended_build_stays_ended(alice, repository, context_drop):
    build = build_request_create(repository=repository, actor=alice, source=archive(context_drop))
    build_phase_set(build=build, phase=Phase.BUILDING)
    ended = build_phase_set(build=build, phase=Phase.ERROR, error="boom")
    assert ended is not None and ended.finished is not None and ended.error == "boom"
    assert build_phase_set(build=build, phase=Phase.COMPLETE) is None
    build.refresh_from_db()
    assert build.phase == Phase.ERROR
    assert {Phase.WAITING, Phase.BUILDING, Phase.ERROR} <= set(build.phase_times)
    kinds = list(BuildLogEntry.objects.filter(build=build).order_by("index").values_list("kind", "message"))
    assert kinds == [("phase", "building"), ("phase", "error"), ("error", "boom")]
