"""/api/v1/superuser/registrysize/: the registry's exact size now, and Quay's queued
recomputation (201 queued, 202 already queued or running) that a worker runs."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from quota.models import NamespaceSize, RegistrySizeCalculation
from quota.registry_size import registry_size_calculate
from tests.quota.test_accounting import config_for, push_image

pytestmark = pytest.mark.django_db
PATH = "/api/v1/superuser/registrysize/"


def test_the_size_counts_each_blob_once_and_every_manifest(root_client, as_alice, as_bob):
    shared = os.urandom(900)
    first = push_image(as_alice, "alice/a", "v1", [shared])
    second = push_image(as_bob, "bob/a", "v1", [shared, os.urandom(100)])
    size = len(first) + len(second) + len(config_for("amd64")) + 900 + 100

    assert root_client.get(PATH).json() == {
        "size_bytes": size,
        "last_ran": None,
        "queued": False,
        "running": False,
    }


def test_a_post_queues_once_and_the_worker_records_its_run(
    root_client, as_alice, django_capture_on_commit_callbacks
):
    push_image(as_alice, "alice/a", "v1", [os.urandom(100)])
    with django_capture_on_commit_callbacks() as queued:
        assert root_client.post(PATH).status_code == 201
    assert len(queued) == 1
    assert root_client.get(PATH).json()["queued"] is True
    assert root_client.post(PATH).status_code == 202

    before = timezone.now()
    assert registry_size_calculate() == 0
    body = root_client.get(PATH).json()
    assert (body["queued"], body["running"]) == (False, False)
    assert body["last_ran"] >= int(before.timestamp() * 1000)
    # Claimed already: a second worker handed the same job does nothing.
    assert registry_size_calculate() is None
    assert root_client.post(PATH).status_code == 201


def test_the_calculation_corrects_a_drifted_total_and_records_the_drift(root_client, as_alice, alice):
    push_image(as_alice, "alice/a", "v1", [os.urandom(100)])
    right = NamespaceSize.objects.get(namespace=alice.namespace).total_bytes
    NamespaceSize.objects.filter(namespace=alice.namespace).update(total_bytes=F("total_bytes") + 42)
    root_client.post(PATH)

    assert registry_size_calculate() == 42
    assert NamespaceSize.objects.get(namespace=alice.namespace).total_bytes == right
    assert RegistrySizeCalculation.objects.get().drift_bytes == 42


def test_a_running_calculation_answers_202_until_it_goes_stale(root_client):
    RegistrySizeCalculation.objects.create(pk=1, started=timezone.now())
    assert root_client.get(PATH).json()["running"] is True
    assert root_client.post(PATH).status_code == 202
    RegistrySizeCalculation.objects.filter(pk=1).update(started=timezone.now() - timedelta(hours=7))
    assert root_client.post(PATH).status_code == 201


def test_only_superusers_read_or_queue_it_even_with_quota_management_off(
    alice_client, client, root_client, settings
):
    settings.FEATURE_QUOTA_MANAGEMENT = False
    assert root_client.get(PATH).status_code == 200
    for method in ("GET", "POST"):
        assert client.generic(method, PATH).status_code == 401
        assert alice_client.generic(method, PATH).status_code == 403
    assert not RegistrySizeCalculation.objects.exists()
