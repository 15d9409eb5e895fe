"""Fixtures for the web page tests of both apps: signed-in browsers (Django's test client) and an
image to show (loaded by tests/conftest.py)."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.test import Client
from django.utils import timezone

from orgs.models import Organization, User
from orgs.services import team_create, team_member_add
from registry.models import Blob, BlobPlacement, Manifest, ManifestBlob, Repository, RepositoryBlob, Tag
from registry.services.labels import labels_record_from_config
from registry.storage import storage_for
from registry.storage.paths import blob_path


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alice_web(alice) -> Client:
    return signed_in(alice)


@pytest.fixture
def bob_web(bob) -> Client:
    return signed_in(bob)


@pytest.fixture
def bob_in_acme_readers(acme: Organization, bob: User) -> None:
    """bob belongs to acme through a plain member team, with read on nothing yet."""
    team = team_create(organization=acme, name="readers", role="member")
    team_member_add(team=team, user=bob)


def blob_store(repository: Repository, content: bytes) -> Blob:
    digest = "sha256:" + hashlib.sha256(content).hexdigest()
    blob = Blob.objects.filter(digest=digest).first()
    if blob is None:
        with storage_for("local").writer(blob_path(digest)) as writer:
            writer.write(content)
            writer.commit()
        blob = Blob.objects.create(digest=digest, size=len(content))
        BlobPlacement.objects.create(blob=blob, location="local")
    RepositoryBlob.objects.get_or_create(repository=repository, blob=blob)
    return blob


def image_push(
    repository: Repository, tag: str, *, layer: bytes, labels: dict | None = None, arch: str = "amd64"
) -> Manifest:
    """An OCI image (config with labels, one layer) stored and tagged as a push leaves it."""
    config = json.dumps(
        {"architecture": arch, "os": "linux", "config": {"Labels": labels or {}, "Cmd": ["/app"]}}
    ).encode()
    config_blob, layer_blob = blob_store(repository, config), blob_store(repository, layer)
    content = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": config_blob.digest,
                "size": config_blob.size,
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": layer_blob.digest,
                    "size": layer_blob.size,
                }
            ],
        }
    ).encode()
    manifest = Manifest.objects.create(
        repository=repository,
        digest="sha256:" + hashlib.sha256(content).hexdigest(),
        media_type="application/vnd.oci.image.manifest.v1+json",
        content=content,
        size=len(content),
        config_media_type="application/vnd.oci.image.config.v1+json",
    )
    ManifestBlob.objects.bulk_create(
        [ManifestBlob(manifest=manifest, blob=config_blob), ManifestBlob(manifest=manifest, blob=layer_blob)]
    )
    labels_record_from_config(manifest=manifest, labels=labels or {})
    now = timezone.now()
    Tag.objects.filter(repository=repository, name=tag, end__isnull=True).update(end=now)
    Tag.objects.create(repository=repository, name=tag, manifest=manifest, start=now)
    return manifest


@pytest.fixture
def acme_app(acme: Organization) -> Repository:
    return Repository.objects.create(namespace=acme.namespace, name="app", description="The acme app")
