"""Builds and pushes test content through the real /v2/ endpoints."""

from __future__ import annotations

import hashlib
import json
import os

from registry.manifest_formats import OCI_INDEX, OCI_MANIFEST

CONFIG_TYPE = "application/vnd.oci.image.config.v1+json"
LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip"


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def push_blob(registry, repository: str, data: bytes) -> str:
    digest = digest_of(data)
    response = registry.call(
        "POST",
        f"/v2/{repository}/blobs/uploads/?digest={digest}",
        scope=f"repository:{repository}:push,pull",
        data=data,
    )
    assert response.status_code == 201, response.content
    return digest


def descriptor(media_type: str, data: bytes, **extra) -> dict:
    return {"mediaType": media_type, "digest": digest_of(data), "size": len(data), **extra}


def image_manifest(config: bytes, layers: list[bytes], **extra) -> bytes:
    body = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": descriptor(CONFIG_TYPE, config),
        "layers": [descriptor(LAYER_TYPE, layer) for layer in layers],
        **extra,
    }
    return json.dumps(body).encode()


def push_manifest(registry, repository: str, reference: str, manifest: bytes, media_type: str = OCI_MANIFEST):
    return registry.call(
        "PUT",
        f"/v2/{repository}/manifests/{reference}",
        scope=f"repository:{repository}:push,pull",
        data=manifest,
        content_type=media_type,
    )


def push_image(
    registry, repository: str, tag: str, *, arch: str = "amd64", layers: int = 1, labels: dict | None = None
) -> tuple[str, bytes]:
    """``labels`` go into the image config's config.Labels, as ``buildah config --label`` puts them."""
    document: dict = {"architecture": arch, "os": "linux", "rootfs": {"type": "layers"}}
    if labels is not None:
        document["config"] = {"Labels": labels}
    config = json.dumps(document).encode()
    layer_bytes = [os.urandom(256) for _ in range(layers)]
    for blob in [config, *layer_bytes]:
        push_blob(registry, repository, blob)
    manifest = image_manifest(config, layer_bytes)
    response = push_manifest(registry, repository, tag, manifest)
    assert response.status_code == 201, response.content
    return response["Docker-Content-Digest"], manifest


def index_manifest(children: list[tuple[str, bytes, str]]) -> bytes:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [
                {
                    "mediaType": OCI_MANIFEST,
                    "digest": digest,
                    "size": len(body),
                    "platform": {"os": "linux", "architecture": arch},
                }
                for digest, body, arch in children
            ],
        }
    ).encode()
