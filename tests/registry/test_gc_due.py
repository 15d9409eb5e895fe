"""The periodic GC pass visits only repositories that are due: changed since their last visit,
or whose ended tag rows just left the time machine; unchanged ones cost nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from orgs.models import Namespace
from quaysite import jobs
from registry import hooks
from registry.models import GCRun, Manifest, Repository, Tag
from registry.services.gc import gc_run_due
from tests.registry.pushing import push_blob, push_image

pytestmark = pytest.mark.django_db
REDIS_TEST_URL = "redis://127.0.0.1:6379/15"
WINDOW_SECONDS = 2


@pytest.fixture(autouse=True)
def no_grace(settings):
    settings.PUSH_TEMP_TAG_EXPIRATION_SEC = 0


def _due(name: str):
    return Repository.objects.get(name=name).gc_due


def _delete_tag(registry, repository: str, tag: str) -> None:
    scope = f"repository:{repository}:push,pull,delete"
    assert registry.call("DELETE", f"/v2/{repository}/manifests/{tag}", scope=scope).status_code == 202


def test_a_push_makes_the_repository_due_and_a_visit_settles_it(as_alice):
    push_image(as_alice, "alice/app", "v1")
    assert _due("app") <= timezone.now()
    run = gc_run_due()
    assert run is not None and run.repositories == 1
    # A live tag and nothing in a grace period: nothing here can become garbage by time alone.
    assert _due("app") is None


def test_an_unchanged_repository_is_not_visited_and_a_changed_one_is(as_alice):
    push_image(as_alice, "alice/unchanged", "v1")
    push_image(as_alice, "alice/changed", "v1")
    push_image(as_alice, "alice/changed", "v2")
    gc_run_due()
    runs_before = GCRun.objects.count()
    assert gc_run_due() is None
    assert GCRun.objects.count() == runs_before

    _delete_tag(as_alice, "alice/changed", "v1")
    assert _due("unchanged") is None and _due("changed") <= timezone.now()
    run = gc_run_due()
    assert run is not None
    assert run.repositories == 1
    assert run.last_repository_id is None
    # The deleted tag is inside the time machine: due again when it leaves it, not before.
    ended = Tag.objects.get(repository__name="changed", name="v1").end
    assert ended is not None
    assert _due("changed") == ended + timedelta(weeks=2)
    assert _due("unchanged") is None


def test_a_tag_leaving_the_time_machine_makes_its_repository_due_without_any_change(
    as_alice, alice, monkeypatch
):
    Namespace.objects.filter(name="alice").update(time_machine_seconds=WINDOW_SECONDS)
    digest, _ = push_image(as_alice, "alice/app", "old")
    _delete_tag(as_alice, "alice/app", "old")
    gc_run_due()
    assert Manifest.objects.filter(digest=digest).exists()
    assert gc_run_due() is None

    # The clock moves past the window; nothing else happens.
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(seconds=WINDOW_SECONDS + 0.2))
    run = gc_run_due()

    assert run is not None and run.tags_deleted == 1 and run.manifests_deleted == 1
    assert not Manifest.objects.filter(digest=digest).exists()
    assert _due("app") is None


def test_a_tag_deleted_while_gc_visits_its_repository_is_collected_on_the_next_pass(as_alice):
    # No time machine: the tag is garbage as soon as it ends, so nothing but the delete's own
    # mark can bring GC back; the visit must not overwrite it.
    Namespace.objects.filter(name="alice").update(time_machine_seconds=0)
    push_image(as_alice, "alice/app", "old")
    late, _ = push_image(as_alice, "alice/app", "late")
    _delete_tag(as_alice, "alice/app", "old")
    deleted_during_visit: list[bool] = []

    def delete_late_tag(_event: hooks.ManifestsDeleting) -> None:
        # Between the visit's steps in effect: its tag step is over, its last step still to come.
        if not deleted_during_visit:
            deleted_during_visit.append(True)
            _delete_tag(as_alice, "alice/app", "late")

    hooks.before_manifest_delete.append(delete_late_tag)
    try:
        first = gc_run_due()
    finally:
        hooks.before_manifest_delete.remove(delete_late_tag)

    assert first is not None
    assert deleted_during_visit and first.manifests_deleted == 1 and first.repositories_failed == 0
    assert Manifest.objects.filter(digest=late).exists()
    assert _due("app") <= timezone.now()
    second = gc_run_due()
    assert second is not None and second.tags_deleted == 1 and second.manifests_deleted == 1
    assert not Manifest.objects.filter(digest=late).exists()
    assert _due("app") is None


def test_a_visit_cut_short_leaves_the_repository_due(as_alice, monkeypatch):
    from registry.services import gc_repository

    push_image(as_alice, "alice/app", "v1")

    def failing_step(*_args: object) -> int:
        raise RuntimeError("storage down")

    monkeypatch.setattr(gc_repository, "_links_delete_batch", failing_step)
    run = gc_run_due()
    assert run is not None
    assert run.repositories_failed == 1
    assert _due("app") <= timezone.now()


def test_a_shorter_time_machine_window_makes_the_namespaces_repositories_due(as_alice, alice):
    from orgs.services.namespaces import namespace_set_tag_expiration

    push_image(as_alice, "alice/app", "v1")
    gc_run_due()
    assert _due("app") is None
    namespace_set_tag_expiration(namespace=Namespace.objects.get(name="alice"), seconds=0, actor=alice)
    assert _due("app") <= timezone.now()


def test_a_blob_upload_alone_makes_the_repository_due(as_alice, settings):
    settings.PUSH_TEMP_TAG_EXPIRATION_SEC = 3600
    push_image(as_alice, "alice/app", "v1")
    gc_run_due()
    push_blob(as_alice, "alice/app", b"abandoned layer")
    assert _due("app") <= timezone.now()
    gc_run_due()
    # Kept for the push in progress; GC looks again when its grace runs out.
    assert timezone.now() + timedelta(seconds=3500) < _due("app") <= timezone.now() + timedelta(seconds=3600)


def test_the_periodic_gc_pass_runs_every_garbage_collection_frequency_seconds(settings):
    [periodic] = [job for job in jobs.PERIODIC_JOBS if job.func == "registry.tasks.gc_due_task"]
    assert periodic.every == settings.GARBAGE_COLLECTION_FREQUENCY == 30
