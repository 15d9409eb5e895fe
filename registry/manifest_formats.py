"""Parses and checks pushed manifests: OCI image manifest and index, Docker schema 2 and list."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from registry.digests import is_any_digest
from registry.errors import ManifestInvalid

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
IMAGE_TYPES = frozenset({OCI_MANIFEST, DOCKER_MANIFEST})
INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_LIST})
MANIFEST_TYPES = IMAGE_TYPES | INDEX_TYPES
GENERIC_CONTENT_TYPES = frozenset({"", "application/json", "application/octet-stream", "*/*"})
# The media type columns' width; RFC 6838 allows 127 + "/" + 127.
MEDIA_TYPE_MAX = 255


@dataclass(frozen=True)
class Descriptor:
    media_type: str
    digest: str
    size: int
    urls: tuple[str, ...] = ()
    platform: dict | None = None


@dataclass
class ParsedManifest:
    media_type: str
    artifact_type: str = ""
    config: Descriptor | None = None
    layers: list[Descriptor] = field(default_factory=list)
    children: list[Descriptor] = field(default_factory=list)
    subject: Descriptor | None = None
    annotations: dict = field(default_factory=dict)

    @property
    def blob_references(self) -> list[Descriptor]:
        """Blobs the repository must hold. Only a layer may be foreign (``urls``: it lives
        elsewhere and we never read it); the config is always read, so it must be linked here
        whatever it declares, or a push could reach another repository's config by digest."""
        config = [self.config] if self.config else []
        return config + [layer for layer in self.layers if not layer.urls]


def _invalid(reason: str) -> ManifestInvalid:
    return ManifestInvalid(detail={"reason": reason})


def _text_fits(value: str, limit: int) -> bool:
    # NUL cannot be stored in a PostgreSQL text or jsonb value.
    return len(value) <= limit and "\x00" not in value


def _annotations(raw: object) -> dict[str, str]:
    """The OCI spec's string-to-string map; anything else (deep JSON included) is refused here
    rather than stored in a jsonb column."""
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and "\x00" not in k + v for k, v in raw.items()
    ):
        raise _invalid("annotations is not an object of strings")
    return raw


def _descriptor(raw: object, where: str) -> Descriptor:
    if not isinstance(raw, dict):
        raise _invalid(f"{where} is not a descriptor object")
    media_type, digest, size = raw.get("mediaType"), raw.get("digest"), raw.get("size")
    if not isinstance(media_type, str) or not media_type:
        raise _invalid(f"{where}.mediaType is missing")
    if not _text_fits(media_type, MEDIA_TYPE_MAX):
        raise _invalid(f"{where}.mediaType is longer than {MEDIA_TYPE_MAX} characters or holds NUL")
    if not isinstance(digest, str) or not is_any_digest(digest):
        raise _invalid(f"{where}.digest is not a digest")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise _invalid(f"{where}.size is not a non-negative integer")
    urls = raw.get("urls") or ()
    if not isinstance(urls, list | tuple) or not all(isinstance(u, str) for u in urls):
        raise _invalid(f"{where}.urls is not a list of strings")
    platform = raw.get("platform")
    return Descriptor(media_type, digest, size, tuple(urls), platform if isinstance(platform, dict) else None)


def _media_type(content_type: str, body: dict) -> str:
    declared = body.get("mediaType")
    if declared is not None and not isinstance(declared, str):
        raise _invalid("mediaType is not a string")
    header = content_type.split(";", 1)[0].strip().lower()
    if header not in GENERIC_CONTENT_TYPES:
        if declared and declared != header:
            raise _invalid(f"Content-Type {header} differs from the manifest's mediaType {declared}")
        return header
    if declared:
        return declared
    # OCI allows mediaType to be absent; tell the two OCI kinds apart by their fields.
    return OCI_INDEX if "manifests" in body else OCI_MANIFEST


def manifest_parse(content: bytes, content_type: str) -> ParsedManifest:
    try:
        body = json.loads(content)
    except (UnicodeDecodeError, ValueError):
        raise _invalid("the manifest is not valid JSON") from None
    except RecursionError:
        raise _invalid("the manifest's JSON is nested too deeply") from None
    if not isinstance(body, dict):
        raise _invalid("the manifest is not a JSON object")
    if body.get("schemaVersion") != 2:
        raise _invalid("only schemaVersion 2 manifests are accepted")
    media_type = _media_type(content_type, body)
    if media_type not in MANIFEST_TYPES:
        raise _invalid(f"unsupported manifest media type {media_type}")
    annotations = _annotations(body.get("annotations"))
    artifact_type = body.get("artifactType") or ""
    if not isinstance(artifact_type, str) or not _text_fits(artifact_type, MEDIA_TYPE_MAX):
        raise _invalid(f"artifactType is not a string of at most {MEDIA_TYPE_MAX} characters")
    parsed = ParsedManifest(media_type=media_type, artifact_type=artifact_type, annotations=annotations)
    if body.get("subject") is not None:
        parsed.subject = _descriptor(body["subject"], "subject")
    if media_type in IMAGE_TYPES:
        parsed.config = _descriptor(body.get("config"), "config")
        layers = body.get("layers")
        if not isinstance(layers, list):
            raise _invalid("layers is not a list")
        parsed.layers = [_descriptor(layer, f"layers[{n}]") for n, layer in enumerate(layers)]
    else:
        children = body.get("manifests")
        if not isinstance(children, list):
            raise _invalid("manifests is not a list")
        parsed.children = [_descriptor(child, f"manifests[{n}]") for n, child in enumerate(children)]
    return parsed


def json_depth_within(document: object, limit: int) -> bool:
    """Whether parsed JSON nests at most limit levels; walked with a stack, never recursion."""
    pending: list[tuple[object, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return False
            children = value.values() if isinstance(value, dict) else value
            pending.extend((child, depth + 1) for child in children)
    return True


def manifest_artifact_type(parsed: ParsedManifest) -> str:
    """The referrers API's artifactType: the manifest's own, else its config's media type."""
    if parsed.artifact_type:
        return parsed.artifact_type
    return parsed.config.media_type if parsed.config else ""
