"""Four workers at once on their own connections share the queue: each manifest is claimed and
scanned by exactly one of them (SELECT ... FOR UPDATE SKIP LOCKED), and a layer two images share
is stored once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from secscan.models import LayerIndex, ManifestSecurity
from secscan.worker import WorkerRun, security_worker_run
from tests.concurrency import workers_run
from tests.secscan.conftest import image_push
from tests.secscan.images import ALPINE_IMAGE, layer_tar

WORKERS = 4
IMAGES = 8


@pytest.mark.django_db(transaction=True)
def test_four_workers_scan_each_queued_manifest_exactly_once(as_alice, settings):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: there is no row lock to skip")
    # Pushed with scanning off so no job starts on its own; queued below, all at once.
    settings.FEATURE_SECURITY_SCANNER = False
    shared = layer_tar(ALPINE_IMAGE)
    manifests = [
        image_push(as_alice, f"alice/app{n}", "1", [shared, layer_tar({f"srv/{n}": b"x"})])
        for n in range(IMAGES)
    ]
    ManifestSecurity.objects.bulk_create([ManifestSecurity(manifest=manifest) for manifest in manifests])
    settings.FEATURE_SECURITY_SCANNER = True
    runs: list[WorkerRun] = []
    failures = workers_run(WORKERS, lambda: runs.append(security_worker_run()), threading.Barrier(WORKERS))
    assert failures == []
    assert sum(run.scanned for run in runs) == IMAGES
    rows = ManifestSecurity.objects.filter(manifest__in=manifests)
    assert sorted(rows.values_list("status", "attempts")) == [("scanned", 1)] * IMAGES
    assert LayerIndex.objects.count() == IMAGES + 1
