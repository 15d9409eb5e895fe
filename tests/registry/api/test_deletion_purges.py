"""Deleting a repository or an organization frees its name at once and leaves the bytes to GC."""

from __future__ import annotations

import os

import pytest

from orgs.models import AuditLog, Namespace, Organization, RobotAccount, User
from orgs.services import organization_create, robot_create
from registry.models import Blob, Repository
from registry.services.gc import gc_run
from registry.storage.paths import blob_path
from tests.registry.pushing import digest_of, push_blob, push_image

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_grace(settings):
    settings.PUSH_TEMP_TAG_EXPIRATION_SEC = 0


def stored(storage, data: bytes) -> bool:
    return (storage / blob_path(digest_of(data))).exists()


def test_deleted_repository_name_is_free_at_once_and_gc_takes_its_blobs(
    alice_client, as_alice, acme, isolated_storage, django_capture_on_commit_callbacks
):
    only_here, shared = os.urandom(200), os.urandom(200)
    push_blob(as_alice, "acme/app", only_here)
    push_blob(as_alice, "acme/app", shared)
    push_blob(as_alice, "acme/other", shared)

    with django_capture_on_commit_callbacks() as queued:
        assert alice_client.delete("/api/v1/repository/acme/app").status_code == 204
    assert len(queued) == 1, "the blob collection is queued on commit"
    push_image(as_alice, "acme/app", "again")
    assert stored(isolated_storage, only_here)

    gc_run(blobs_only=True)

    assert not stored(isolated_storage, only_here)
    assert not Blob.objects.filter(digest=digest_of(only_here)).exists()
    assert stored(isolated_storage, shared)


def test_admin_deletes_organization_and_its_name_is_free_at_once(
    alice_client, alice, as_alice, acme, isolated_storage, django_capture_on_commit_callbacks
):
    layer = os.urandom(200)
    push_image(as_alice, "acme/app", "v1")
    push_image(as_alice, "acme/tools", "v1")
    push_blob(as_alice, "acme/app", layer)
    robot_create(namespace=acme.namespace, short_name="builder", actor=alice)

    with django_capture_on_commit_callbacks() as queued:
        assert alice_client.delete("/api/v1/organization/acme").status_code == 204

    assert len(queued) == 1, "one blob collection is queued on commit"
    assert not Namespace.objects.filter(name="acme").exists()
    assert not Repository.objects.filter(namespace__name="acme").exists()
    assert not RobotAccount.objects.exists() and not User.objects.filter(username="acme+builder").exists()
    log = AuditLog.objects.get(kind="org_delete")
    assert (log.performer, log.namespace_name, log.metadata) == (alice, "acme", {"organization": "acme"})
    again = organization_create(name="acme", creator=alice)
    robot_create(namespace=again.namespace, short_name="builder", actor=alice)
    gc_run(blobs_only=True)
    assert not stored(isolated_storage, layer)


def test_member_who_is_not_admin_may_not_delete_the_organization(bob_client, bob, acme):
    team = acme.teams.create(name="readers")
    team.members.add(bob)

    response = bob_client.delete("/api/v1/organization/acme")

    assert response.status_code == 403
    assert Organization.objects.filter(pk=acme.pk).exists()


def test_deleting_a_missing_organization_is_404_and_anonymous_is_401(alice_client, client, acme):
    assert alice_client.delete("/api/v1/organization/nosuch").status_code == 404
    assert client.delete("/api/v1/organization/acme").status_code == 401
    assert Organization.objects.filter(pk=acme.pk).exists()


def test_organization_get_still_answers_on_the_same_path(alice_client, acme):
    response = alice_client.get("/api/v1/organization/acme")
    assert response.status_code == 200
    assert response.json()["name"] == "acme"
