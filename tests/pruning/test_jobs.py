"""The auto-prune job runs where the registry's jobs run: on the in-process worker of the embedded
default and on an rq worker over Redis; the server schedules it every AUTO_PRUNING_POLL_PERIOD."""

from __future__ import annotations

import pytest
from django.conf import settings

from orgs.services import organization_create
from pruning.services import namespace_policy_create
from pruning.tasks import autoprune_task
from quaysite import jobs
from tests.pruning.conftest import live_tags, repository_with_tags
from tests.registry.test_jobs import WAIT_SECONDS, burst_work, in_process_jobs, redis_queue  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pruned_repository(alice):
    organization = organization_create(name="acme", creator=alice)
    repository = repository_with_tags(organization, "app", ["v1", "v2", "v3"])
    namespace_policy_create(actor=alice, namespace=organization.namespace, method="number_of_tags", value=1)
    return repository


def test_the_server_schedules_the_job_every_poll_period():
    [job] = [job for job in jobs.PERIODIC_JOBS if job.func == "pruning.tasks.autoprune_task"]
    assert job.every == settings.AUTO_PRUNING_POLL_PERIOD == 30


def test_the_job_prunes_on_the_in_process_worker(in_process_jobs, pruned_repository):  # noqa: F811
    jobs.enqueue(autoprune_task)
    assert jobs.in_process_worker_wait_idle(timeout=WAIT_SECONDS)
    assert live_tags(pruned_repository) == ["v3"]


def test_the_job_prunes_on_an_rq_worker(redis_queue, pruned_repository):  # noqa: F811
    jobs.enqueue(autoprune_task, queue=redis_queue.name)
    assert burst_work(redis_queue)
    assert live_tags(pruned_repository) == ["v3"]
