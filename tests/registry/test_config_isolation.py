"""A manifest reaches only configs its repository holds: a config descriptor with ``urls``
does not skip the link check, and every config read goes through the repository."""

from __future__ import annotations

import json
import os

import pytest

from registry.manifest_formats import manifest_parse
from registry.models import Label, Manifest, Repository
from registry.services.labels import image_config_read
from tests.conftest import Registry
from tests.registry.pushing import CONFIG_TYPE, LAYER_TYPE, descriptor, digest_of, push_blob, push_manifest

pytestmark = pytest.mark.django_db
SECRET_CONFIG = json.dumps(
    {"architecture": "amd64", "os": "linux", "config": {"Env": ["TOKEN=s3cret"], "Labels": {"team": "alice"}}}
).encode()


@pytest.fixture
def alice_secret(as_alice) -> str:
    """A private config of alice's, in alice/secret; bob knows only its digest."""
    push_blob(as_alice, "alice/secret", SECRET_CONFIG)
    return digest_of(SECRET_CONFIG)


def _manifest_naming(config_digest: str, layer: bytes, **config_extra: object) -> bytes:
    config = {"mediaType": CONFIG_TYPE, "digest": config_digest, "size": len(SECRET_CONFIG), **config_extra}
    body = {"schemaVersion": 2, "config": config, "layers": [descriptor(LAYER_TYPE, layer)]}
    return json.dumps(body).encode()


def test_config_with_urls_must_be_linked_to_the_repository(client, alice_secret, bob):
    as_bob = Registry(client, "bob")
    layer = os.urandom(64)
    push_blob(as_bob, "bob/app", layer)
    manifest = _manifest_naming(alice_secret, layer, urls=["https://example.com/config"])
    response = push_manifest(as_bob, "bob/app", "v1", manifest)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "MANIFEST_BLOB_UNKNOWN"
    assert not Manifest.objects.filter(repository__name="app").exists()
    assert not Label.objects.filter(value="alice").exclude(manifest__repository__name="secret").exists()


def test_foreign_layer_with_urls_may_stay_outside_the_repository(as_alice):
    config = json.dumps({"architecture": "amd64", "os": "linux"}).encode()
    push_blob(as_alice, "alice/app", config)
    foreign = {"mediaType": LAYER_TYPE, "digest": digest_of(b"elsewhere"), "size": 9, "urls": ["https://x/l"]}
    body = {"schemaVersion": 2, "config": descriptor(CONFIG_TYPE, config), "layers": [foreign]}
    response = push_manifest(as_alice, "alice/app", "v1", json.dumps(body).encode())
    assert response.status_code == 201, response.content


def test_config_is_not_read_for_a_repository_without_its_link(alice_secret, as_alice):
    parsed = manifest_parse(_manifest_naming(alice_secret, b"layer"), "")
    as_alice.call("POST", "/v2/alice/other/blobs/uploads/", scope="repository:alice/other:push")
    other = Repository.objects.get(name="other")
    secret = Repository.objects.get(name="secret")
    assert image_config_read(repository=other, parsed=parsed) is None
    config = image_config_read(repository=secret, parsed=parsed)
    assert config is not None and config["config"]["Env"] == ["TOKEN=s3cret"]
