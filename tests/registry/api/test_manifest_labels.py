"""A manifest and its labels on Quay's paths: labels from the image config at push, labels
added and deleted through the API, the prefix filter, roles and no existence leak."""

from __future__ import annotations

import json
import os
from email.utils import formatdate

import pytest
from django.test import Client

from orgs.models import AuditLog
from registry.models import Label, Manifest, Repository
from registry.services.permissions import permission_set
from tests.api_fixtures import bearer, token_for
from tests.conftest import Registry
from tests.registry.pushing import image_manifest, push_blob, push_image, push_manifest

REPO = "acme/app"


@pytest.fixture
def pushed(client, acme):
    """An image whose config carries two labels, pushed through /v2/ as alice."""
    digest, manifest = push_image(
        Registry(client, "alice"), REPO, "v1", layers=2, labels={"org.example.team": "infra", "stage": "prod"}
    )
    return Manifest.objects.get(digest=digest), manifest


def url(manifest: Manifest, suffix: str = "") -> str:
    return f"/api/v1/repository/{REPO}/manifest/{manifest.digest}{suffix}"


def add(client, manifest: Manifest, **body):
    return client.post(url(manifest, "/labels"), body, content_type="application/json")


def test_manifest_has_quays_shape(alice_client, pushed):
    manifest, content = pushed
    body = alice_client.get(url(manifest)).json()
    layers = json.loads(content)["layers"]
    assert body["digest"] == manifest.digest
    assert body["is_manifest_list"] is False
    assert body["manifest_data"] == content.decode()
    assert body["config_media_type"] == "application/vnd.oci.image.config.v1+json"
    assert [(layer["index"], layer["blob_digest"], layer["compressed_size"]) for layer in body["layers"]] == [
        (index, layer["digest"], layer["size"]) for index, layer in enumerate(layers)
    ]
    assert body["layers_compressed_size"] == sum(layer["size"] for layer in layers)


def test_unknown_and_deleted_manifests_are_404(alice_client, pushed):
    manifest, _ = pushed
    assert alice_client.get(f"/api/v1/repository/{REPO}/manifest/sha256:{'0' * 64}").status_code == 404
    Manifest.objects.filter(pk=manifest.pk).update(deleted=manifest.created)
    assert alice_client.get(url(manifest)).status_code == 404
    assert alice_client.get(url(manifest, "/labels")).status_code == 404


def test_stranger_gets_404_for_manifest_and_labels(bob_client, pushed):
    manifest, _ = pushed
    assert bob_client.get(url(manifest)).status_code == 404
    assert bob_client.get(url(manifest, "/labels")).status_code == 404
    assert add(bob_client, manifest, key="a", value="b").status_code == 404


def test_labels_from_the_image_config_are_listed(alice_client, pushed):
    labels = alice_client.get(url(pushed[0], "/labels")).json()["labels"]
    assert sorted((label["key"], label["value"], label["source_type"]) for label in labels) == [
        ("org.example.team", "infra", "manifest"),
        ("stage", "prod", "manifest"),
    ]
    assert all(set(label) == {"id", "key", "value", "source_type", "media_type"} for label in labels)


def test_filter_keeps_keys_with_the_prefix(alice_client, pushed):
    labels = alice_client.get(url(pushed[0], "/labels"), {"filter": "org.example"}).json()["labels"]
    assert [label["key"] for label in labels] == ["org.example.team"]


def test_add_get_and_delete_a_label(alice_client, pushed):
    manifest, _ = pushed
    response = add(alice_client, manifest, key="owner", value='{"team": "infra"}')
    assert response.status_code == 201
    label = response.json()["label"]
    assert (label["key"], label["source_type"], label["media_type"]) == ("owner", "api", "application/json")
    assert response["Location"] == url(manifest, f"/labels/{label['id']}")
    assert alice_client.get(response["Location"]).json() == label
    assert AuditLog.objects.get(kind="manifest_label_add").metadata["key"] == "owner"
    assert alice_client.delete(response["Location"]).status_code == 204
    assert not Label.objects.filter(uuid=label["id"]).exists()
    assert alice_client.get(response["Location"]).status_code == 404
    assert AuditLog.objects.get(kind="manifest_label_delete").metadata["id"] == label["id"]


def test_label_from_the_image_cannot_be_deleted(alice_client, pushed):
    label = Label.objects.filter(manifest=pushed[0]).first()
    assert label is not None
    response = alice_client.delete(url(pushed[0], f"/labels/{label.uuid}"))
    assert response.status_code == 400
    assert Label.objects.filter(pk=label.pk).exists()


@pytest.mark.parametrize(
    "body",
    [
        {"key": "quay.expires-after", "value": "1h"},
        {"key": "com.docker.thing", "value": "x"},
        {"key": "Upper", "value": "x"},
        {"key": "a..b", "value": "x"},
        {"key": "ok", "value": "x", "media_type": "image/png"},
        {"key": "ok", "value": "not json", "media_type": "application/json"},
        {"key": "ok"},
    ],
)
def test_invalid_labels_are_400_and_add_nothing(alice_client, pushed, body):
    response = add(alice_client, pushed[0], **body)
    assert response.status_code == 400
    assert response.json()["error_type"] == "invalid_request"
    assert Label.objects.filter(source_type="api").count() == 0


def test_reader_lists_but_may_not_add_or_delete(bob_client, bob, pushed):
    manifest, _ = pushed
    permission_set(repository=manifest.repository, role="read", user=bob)
    assert len(bob_client.get(url(manifest, "/labels")).json()["labels"]) == 2
    assert add(bob_client, manifest, key="owner", value="bob").status_code == 403
    label = Label.objects.filter(manifest=manifest).first()
    assert label is not None
    assert bob_client.delete(url(manifest, f"/labels/{label.uuid}")).status_code == 403


def test_labels_are_refused_in_a_read_only_repository(alice_client, pushed):
    manifest, _ = pushed
    Repository.objects.filter(pk=manifest.repository_id).update(state="READ_ONLY")
    assert add(alice_client, manifest, key="owner", value="x").status_code == 503
    assert alice_client.get(url(manifest, "/labels")).status_code == 200


def test_labels_go_with_their_manifest(alice_client, pushed):
    manifest, _ = pushed
    add(alice_client, manifest, key="owner", value="x")
    manifest.tags.all().delete()
    manifest.delete()
    assert not Label.objects.exists()


def test_layers_carry_the_config_history(client, alice_client, acme):
    registry = Registry(client, "alice")
    history = [
        {"created": "2024-05-01T10:00:00Z", "created_by": "COPY app /app", "author": "infra"},
        {"created": "2024-05-01T10:00:01Z", "created_by": "ENV A=1", "empty_layer": True},
        {"created": "2024-05-01T10:00:02Z", "created_by": "RUN make", "comment": "buildkit"},
    ]
    config = json.dumps(
        {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers"}, "history": history}
    ).encode()
    layers = [os.urandom(64), os.urandom(64)]
    for blob in [config, *layers]:
        push_blob(registry, REPO, blob)
    response = push_manifest(registry, REPO, "v1", image_manifest(config, layers))
    body = alice_client.get(f"/api/v1/repository/{REPO}/manifest/{response['Docker-Content-Digest']}").json()
    assert [(layer["command"], layer["author"], layer["comment"]) for layer in body["layers"]] == [
        (["COPY app /app"], "infra", None),
        (["RUN make"], None, "buildkit"),
    ]
    assert body["layers"][0]["created_datetime"] == formatdate(1714557600)


def test_read_token_may_list_but_not_add_labels(alice, pushed, application):
    manifest, _ = pushed
    read = bearer(token_for(application, alice, "repo:read"))
    assert Client().get(url(manifest, "/labels"), **read).status_code == 200
    response = Client().post(
        url(manifest, "/labels"), {"key": "owner", "value": "x"}, content_type="application/json", **read
    )
    assert response.status_code == 403
    write = bearer(token_for(application, alice, "repo:write"))
    response = Client().post(
        url(manifest, "/labels"), {"key": "owner", "value": "x"}, content_type="application/json", **write
    )
    assert response.status_code == 201
