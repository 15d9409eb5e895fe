"""GET and POST /api/v1/superuser/gc: superusers read GC reports and queue runs; nobody else."""

from __future__ import annotations

import pytest
from django.test import Client

from registry.models import GCRun
from registry.tasks import gc_repository_task, gc_run_task
from tests.api_fixtures import repository_make

pytestmark = pytest.mark.django_db
URL = "/api/v1/superuser/gc"


@pytest.fixture
def root_client(settings, alice) -> Client:
    settings.SUPER_USERS = ["alice"]
    client = Client()
    client.force_login(alice)
    return client


def test_superuser_lists_recent_runs_newest_first_with_their_counts(root_client):
    GCRun.objects.create(blobs_deleted=3, bytes_reclaimed=4096)
    GCRun.objects.create(dry_run=True, repository_name="acme/app", manifests_deleted=2, would_delete=["x"])

    response = root_client.get(URL, {"limit": 5})

    assert response.status_code == 200
    newest, oldest = response.json()["runs"]
    assert (newest["dry_run"], newest["repository"], newest["manifests_deleted"]) == (True, "acme/app", 2)
    assert newest["would_delete"] == ["x"]
    assert (oldest["blobs_deleted"], oldest["bytes_reclaimed"], oldest["repository"]) == (3, 4096, "")


def test_limit_bounds_the_list_and_a_bad_limit_is_400(root_client):
    for _ in range(3):
        GCRun.objects.create()
    assert len(root_client.get(URL, {"limit": 2}).json()["runs"]) == 2
    response = root_client.get(URL, {"limit": 0})
    assert response.status_code == 400
    assert "limit" in response.json()["detail"]


def test_superuser_queues_a_dry_run_of_one_repository(root_client, acme, django_capture_on_commit_callbacks):
    repository = repository_make(acme, "app")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = root_client.post(
            URL, {"dry_run": True, "repository": "acme/app"}, content_type="application/json"
        )
    assert response.status_code == 202
    assert len(queued) == 1
    assert GCRun.objects.count() == 0
    # What the queued job runs:
    run_id = gc_repository_task(repository.pk, dry_run=True)
    assert run_id is not None
    run = GCRun.objects.get(pk=run_id)
    assert (run.dry_run, run.repository_name, run.repositories) == (True, "acme/app", 1)


def test_queueing_for_an_unknown_repository_is_404(root_client):
    response = root_client.post(URL, {"repository": "acme/nothing"}, content_type="application/json")
    assert response.status_code == 404


def test_a_whole_registry_run_reports_itself(db):
    run = GCRun.objects.get(pk=gc_run_task())
    assert (run.dry_run, run.repository_name) == (False, "")
    assert run.finished is not None


def test_other_users_get_403_and_anonymous_401(alice_client, client):
    assert alice_client.get(URL).status_code == 403
    assert alice_client.post(URL, {}, content_type="application/json").status_code == 403
    assert client.get(URL).status_code == 401
