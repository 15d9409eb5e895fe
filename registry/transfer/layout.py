"""The OCI image layout inside the tarball: where each blob goes and what index.json says."""

from __future__ import annotations

import json
from dataclasses import dataclass

OCI_LAYOUT = json.dumps({"imageLayoutVersion": "1.0.0"}).encode()
INDEX_MEDIA_TYPE = "application/vnd.oci.image.index.v1+json"
# The image layout's own annotation for a tag; ours gives it as "namespace/name:tag", since one
# tarball may carry many repositories.
REF_NAME = "org.opencontainers.image.ref.name"


class LayoutInvalid(Exception):
    """The tarball is no image layout this registry wrote or can load; nothing was imported."""


@dataclass(frozen=True)
class Ref:
    repository: str
    tag: str
    digest: str
    media_type: str
    size: int


def blob_member(digest: str) -> str:
    algorithm, _, hexadecimal = digest.partition(":")
    return f"blobs/{algorithm}/{hexadecimal}"


def member_digest(name: str) -> str | None:
    parts = name.split("/")
    if len(parts) == 3 and parts[0] == "blobs" and parts[1] and parts[2]:
        return f"{parts[1]}:{parts[2]}"
    return None


def index_render(refs: list[Ref]) -> bytes:
    manifests = [
        {
            "mediaType": ref.media_type,
            "digest": ref.digest,
            "size": ref.size,
            "annotations": {REF_NAME: f"{ref.repository}:{ref.tag}"},
        }
        for ref in refs
    ]
    return json.dumps(
        {"schemaVersion": 2, "mediaType": INDEX_MEDIA_TYPE, "manifests": manifests}, indent=1
    ).encode()


def index_parse(content: bytes) -> list[Ref]:
    try:
        body = json.loads(content)
        refs = []
        for entry in body["manifests"]:
            repository, _, tag = entry["annotations"][REF_NAME].rpartition(":")
            if not repository or "/" not in repository or not tag:
                raise LayoutInvalid(
                    f"index.json: {entry['annotations'][REF_NAME]!r} is not namespace/name:tag"
                )
            refs.append(Ref(repository, tag, entry["digest"], entry["mediaType"], int(entry["size"])))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise LayoutInvalid(f"index.json is not an image layout index of tagged manifests: {exc!r}") from None
    return refs
