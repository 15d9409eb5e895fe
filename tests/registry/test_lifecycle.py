"""The registry side of the content lifecycle: delete by digest into the time machine, labels
and ``quay.expires-after`` from the image config, expired tags, repository states and the
registry-wide read-only mode, all through /v2/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from orgs.models import Namespace
from orgs.services import robot_create
from registry.models import Label, Manifest, Repository, Tag
from registry.services.permissions import permission_set
from registry.services.repository_states import repository_set_state
from tests.conftest import Registry
from tests.registry.pushing import image_manifest, index_manifest, push_image, push_manifest

pytestmark = pytest.mark.django_db
REPO = "alice/app"
PUSH = f"repository:{REPO}:push,pull"
ADMIN = f"repository:{REPO}:push,pull,delete"


def _pull(registry, reference: str):
    return registry.call("GET", f"/v2/{REPO}/manifests/{reference}", scope=PUSH)


# Delete by digest -------------------------------------------------------------------------------


def test_delete_by_digest_ends_its_tags_and_keeps_the_rows_for_the_time_machine(as_alice):
    digest, _ = push_image(as_alice, REPO, "v1")
    push_image(as_alice, REPO, "v2")
    assert as_alice.call("DELETE", f"/v2/{REPO}/manifests/{digest}", scope=ADMIN).status_code == 202
    manifest = Manifest.objects.get(digest=digest)
    assert manifest.deleted is not None
    row = Tag.objects.get(name="v1")
    assert row.manifest_id == manifest.pk and row.end is not None and row.end <= timezone.now()
    assert Tag.objects.get(name="v2").end is None
    assert _pull(as_alice, digest).status_code == 404
    assert _pull(as_alice, "v1").status_code == 404
    tags = as_alice.call("GET", f"/v2/{REPO}/tags/list", scope=PUSH).json()["tags"]
    assert tags == ["v2"]


def test_deleted_manifest_is_deleted_once(as_alice):
    digest, _ = push_image(as_alice, REPO, "v1")
    assert as_alice.call("DELETE", f"/v2/{REPO}/manifests/{digest}", scope=ADMIN).status_code == 202
    again = as_alice.call("DELETE", f"/v2/{REPO}/manifests/{digest}", scope=ADMIN)
    assert again.status_code == 404
    assert again.json()["errors"][0]["code"] == "MANIFEST_UNKNOWN"


def test_pushing_a_deleted_manifest_again_serves_it_again(as_alice):
    digest, manifest = push_image(as_alice, REPO, "v1")
    as_alice.call("DELETE", f"/v2/{REPO}/manifests/{digest}", scope=ADMIN)
    assert push_manifest(as_alice, REPO, "v1", manifest).status_code == 201
    assert _pull(as_alice, digest).content == manifest
    assert _pull(as_alice, "v1")["Docker-Content-Digest"] == digest
    assert Manifest.objects.filter(digest=digest).count() == 1


def test_deleted_referrer_leaves_the_referrers_list(as_alice):
    subject_digest, subject = push_image(as_alice, REPO, "v1")
    config = b'{"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers"}}'
    signature = image_manifest(
        config,
        [],
        subject={
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": subject_digest,
            "size": len(subject),
        },
    )
    response = push_manifest(as_alice, REPO, "sig", signature)
    assert response.status_code == 201, response.content
    signature_digest = response["Docker-Content-Digest"]
    listed = as_alice.call("GET", f"/v2/{REPO}/referrers/{subject_digest}", scope=PUSH).json()["manifests"]
    assert [m["digest"] for m in listed] == [signature_digest]
    as_alice.call("DELETE", f"/v2/{REPO}/manifests/{signature_digest}", scope=ADMIN)
    listed = as_alice.call("GET", f"/v2/{REPO}/referrers/{subject_digest}", scope=PUSH).json()["manifests"]
    assert listed == []


def test_child_of_a_live_index_is_not_deleted(as_alice):
    child, body = push_image(as_alice, REPO, "amd64")
    index = index_manifest([(child, body, "amd64")])
    assert (
        push_manifest(as_alice, REPO, "multi", index, "application/vnd.oci.image.index.v1+json").status_code
        == 201
    )
    response = as_alice.call("DELETE", f"/v2/{REPO}/manifests/{child}", scope=ADMIN)
    assert response.status_code == 400
    assert Manifest.objects.get(digest=child).deleted is None


# Labels and quay.expires-after ------------------------------------------------------------------


def test_config_labels_are_recorded_with_source_manifest(as_alice):
    digest, _ = push_image(as_alice, REPO, "v1", labels={"org.example.team": "infra", "build": '{"n": 1}'})
    labels = {
        label.key: (label.value, label.source_type, label.media_type)
        for label in Label.objects.filter(manifest__digest=digest)
    }
    assert labels == {
        "org.example.team": ("infra", "manifest", "text/plain"),
        "build": ('{"n": 1}', "manifest", "application/json"),
    }


def test_index_and_unlabelled_image_get_no_labels(as_alice):
    child, body = push_image(as_alice, REPO, "amd64")
    index = index_manifest([(child, body, "amd64")])
    push_manifest(as_alice, REPO, "multi", index, "application/vnd.oci.image.index.v1+json")
    assert not Label.objects.exists()


def test_expires_after_label_makes_the_pushed_tag_expire(as_alice):
    before = timezone.now()
    push_image(as_alice, REPO, "v1", labels={"quay.expires-after": "2h"})
    end = Tag.objects.get(name="v1").end
    assert end is not None
    assert before + timedelta(hours=2) <= end <= timezone.now() + timedelta(hours=2)
    assert _pull(as_alice, "v1").status_code == 200


@pytest.mark.parametrize("value", ["forever", "2 h", "0s", ""])
def test_unusable_expires_after_leaves_the_tag_open(as_alice, value):
    push_image(as_alice, REPO, "v1", labels={"quay.expires-after": value})
    assert Tag.objects.get(name="v1").end is None


def test_tagging_a_known_labelled_manifest_applies_its_expiry(as_alice):
    digest, manifest = push_image(as_alice, REPO, "v1", labels={"quay.expires-after": "3d"})
    assert push_manifest(as_alice, REPO, "v2", manifest).status_code == 201
    end = Tag.objects.get(name="v2").end
    assert end is not None and end > timezone.now() + timedelta(days=3) - timedelta(minutes=1)
    assert Label.objects.filter(manifest__digest=digest).count() == 1


def test_expired_tag_stops_resolving_and_enters_the_time_machine(as_alice):
    digest, _ = push_image(as_alice, REPO, "v1", labels={"quay.expires-after": "1w"})
    # A week passes: the row's end is now behind us.
    Tag.objects.filter(name="v1").update(end=timezone.now() - timedelta(seconds=1))
    assert _pull(as_alice, "v1").status_code == 404
    assert as_alice.call("GET", f"/v2/{REPO}/tags/list", scope=PUSH).json()["tags"] == []
    assert _pull(as_alice, digest).status_code == 200
    assert Tag.objects.filter(name="v1").count() == 1


# Repository states ------------------------------------------------------------------------------


def _state(full_name: str, state: str, mirror_robot=None) -> Repository:
    namespace, name = full_name.split("/", 1)
    repository = Repository.objects.get(namespace__name=namespace, name=name)
    repository.mirror_robot = mirror_robot
    repository.save(update_fields=["mirror_robot"])
    return repository_set_state(repository=repository, state=state, actor=None)


def test_read_only_repository_grants_no_push_and_serves_pulls(as_alice):
    digest, _ = push_image(as_alice, REPO, "v1")
    _state(REPO, "READ_ONLY")
    assert as_alice.granted(f"repository:{REPO}:push,pull,delete,*") == ["pull"]
    assert _pull(as_alice, "v1")["Docker-Content-Digest"] == digest


def test_read_only_repository_refuses_writes_with_a_token_issued_before(as_alice):
    digest, manifest = push_image(as_alice, REPO, "v1")
    token = as_alice.token(ADMIN)
    _state(REPO, "READ_ONLY")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    put = as_alice.client.generic(
        "PUT",
        f"/v2/{REPO}/manifests/v2",
        data=manifest,
        content_type="application/vnd.oci.image.manifest.v1+json",
        **headers,
    )
    assert put.status_code == 403
    assert put.json()["errors"][0]["code"] == "DENIED"
    assert "READ_ONLY" in put.json()["errors"][0]["message"]
    upload = as_alice.client.post(f"/v2/{REPO}/blobs/uploads/", **headers)
    assert upload.status_code == 403
    assert as_alice.client.delete(f"/v2/{REPO}/manifests/{digest}", **headers).status_code == 403
    assert not Tag.objects.filter(name="v2").exists()
    assert Manifest.objects.get(digest=digest).deleted is None


def test_mirror_repository_takes_pushes_only_from_its_mirror_robot(client, as_alice, acme):
    robot, token = robot_create(namespace=Namespace.objects.get(name="acme"), short_name="mirror")
    as_acme = Registry(client, "alice")
    push_image(as_acme, "acme/app", "v1")
    repository = Repository.objects.get(name="app", namespace__name="acme")
    permission_set(repository=repository, user=robot.user, role="write")
    _state("acme/app", "MIRROR", mirror_robot=robot.user)
    as_robot = Registry(client, robot.user.username, token)
    assert as_robot.granted("repository:acme/app:push,pull") == ["pull", "push"]
    assert as_acme.granted("repository:acme/app:push,pull") == ["pull"]
    push_image(as_robot, "acme/app", "v2")
    assert Tag.objects.filter(name="v2", repository=repository).exists()


def test_mirror_repository_without_a_robot_takes_no_pushes(as_alice):
    push_image(as_alice, REPO, "v1")
    _state(REPO, "MIRROR")
    assert as_alice.granted(f"repository:{REPO}:push,pull") == ["pull"]


# Registry-wide read-only mode ------------------------------------------------------------------


def test_registry_read_only_refuses_every_write_and_serves_pulls(as_alice, settings):
    digest, manifest = push_image(as_alice, REPO, "v1")
    token = as_alice.token(ADMIN)
    settings.REGISTRY_STATE = "readonly"
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    for method, path in [
        ("POST", f"/v2/{REPO}/blobs/uploads/"),
        ("PUT", f"/v2/{REPO}/manifests/v2"),
        ("DELETE", f"/v2/{REPO}/manifests/{digest}"),
        ("DELETE", f"/v2/{REPO}/manifests/v1"),
    ]:
        response = as_alice.client.generic(method, path, data=manifest, **headers)
        assert response.status_code == 405, (method, path)
        error = response.json()["errors"][0]
        assert error["code"] == "DENIED" and "read-only" in error["message"]
    assert as_alice.client.get(f"/v2/{REPO}/manifests/v1", **headers).status_code == 200
    assert Tag.objects.get(name="v1").end is None
    assert as_alice.granted(f"repository:{REPO}:push,pull,delete") == ["pull"]
    assert as_alice.granted("repository:alice/new:push,pull") == ["pull"]
