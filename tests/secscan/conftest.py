from __future__ import annotations

import json

import pytest

from registry.models import Manifest
from secscan.scanners import scanner_configured
from secscan.vulndata import vulndata_import
from tests.registry.pushing import CONFIG_TYPE, LAYER_TYPE, digest_of, push_blob, push_manifest
from tests.secscan.images import OSV_FIXTURE


@pytest.fixture(autouse=True)
def builtin_scanner(settings):
    settings.SECURITY_SCANNER_V4_ENDPOINT = ""
    scanner_configured.cache_clear()
    yield
    scanner_configured.cache_clear()


@pytest.fixture
def osv_imported(db):
    return vulndata_import(path=OSV_FIXTURE)


def image_push(registry, repository: str, tag: str, layers: list[bytes]) -> Manifest:
    """Pushes an image of these layer bytes through /v2/; returns its manifest row."""
    config = json.dumps(
        {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}, "note": tag}
    ).encode()
    for blob in [config, *layers]:
        push_blob(registry, repository, blob)
    body = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": CONFIG_TYPE, "digest": digest_of(config), "size": len(config)},
        "layers": [
            {"mediaType": LAYER_TYPE, "digest": digest_of(layer), "size": len(layer)} for layer in layers
        ],
    }
    response = push_manifest(registry, repository, tag, json.dumps(body).encode())
    assert response.status_code == 201, response.content
    return Manifest.objects.get(
        repository__name=repository.split("/", 1)[1], digest=response["Docker-Content-Digest"]
    )
