"""The worker with the real engine against a real upstream (docker-registry, conftest): a mirror
configured through the API syncs on ``manage.py mirror_sync``, reports what it copied, and a
warm re-sync through sync-now copies no blob bytes."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from mirroring.models import RepositoryMirror
from registry.services.tags import tag_live
from tests.api_fixtures import repository_make

pytestmark = pytest.mark.django_db
MIRROR = "/api/v1/repository/acme/app/mirror"


def test_a_mirror_set_through_the_api_syncs_and_a_warm_resync_copies_nothing(
    upstream, images, alice_client, acme, mirror_robot, capsys
):
    digest = images.push_image(upstream, "workerapp:v1", [b"worker layer " * 300, b"second " * 300])
    images.push_image(upstream, "workerapp:dev", [b"dev layer " * 300])
    repository = repository_make(acme, "app")
    config = {
        "external_reference": upstream.reference("workerapp"),
        "external_registry_config": {"verify_tls": False},
        "sync_interval": 3600,
        "sync_start_date": "2026-01-01T00:00:00Z",
        "robot_username": mirror_robot.username,
        "root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["v*"]},
    }
    assert alice_client.post(MIRROR, config, content_type="application/json").status_code == 201

    call_command("mirror_sync")
    assert "acme/app: SYNC_SUCCESS, 1 tags" in capsys.readouterr().out
    mirror = RepositoryMirror.objects.get()
    assert (mirror.sync_status, mirror.tags_synced) == ("SYNC_SUCCESS", 1) and mirror.bytes_copied > 0
    assert (tag := tag_live(repository=repository, name="v1")) is not None and tag.manifest.digest == digest
    assert tag_live(repository=repository, name="dev") is None

    assert alice_client.post(MIRROR + "/sync-now").status_code == 204
    call_command("mirror_sync")
    warm = RepositoryMirror.objects.get()
    assert warm.sync_status == "SYNC_SUCCESS" and warm.bytes_copied == 0
    assert alice_client.get(MIRROR).json()["last_sync"]["bytes_copied"] == 0
