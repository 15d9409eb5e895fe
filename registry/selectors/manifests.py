"""Reads of manifests: the registry's pull with content negotiation, a manifest the API and the
pages serve, Quay's summary of one (layers and the commands that made them), referrers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import formatdate

from orgs.errors import NotFound
from registry.errors import ManifestUnknown, NameUnknown
from registry.manifest_formats import INDEX_TYPES, manifest_parse
from registry.models import Manifest, Repository
from registry.names import RepositoryName, is_digest, is_tag
from registry.selectors.hot_path import manifest_row_by_digest, manifest_row_by_tag
from registry.selectors.repositories import repository_exists
from registry.services.labels import image_config_read


@dataclass(frozen=True)
class ManifestContent:
    digest: str
    media_type: str
    content: bytes


def _accepts(accept: list[str], media_type: str) -> bool:
    return not accept or media_type in accept or "*/*" in accept


def manifest_content_get(
    *, repository_name: RepositoryName, reference: str, accept: list[str]
) -> ManifestContent:
    namespace, name = repository_name.namespace, repository_name.name
    if is_digest(reference):
        row = manifest_row_by_digest(namespace=namespace, name=name, digest=reference)
    elif is_tag(reference):
        row = manifest_row_by_tag(namespace=namespace, name=name, tag=reference)
    else:
        raise ManifestUnknown(detail={"reference": reference[:200]})
    if row is None:
        if not repository_exists(namespace=namespace, name=name):
            raise NameUnknown(detail={"name": repository_name.full})
        raise ManifestUnknown(detail={"reference": reference})
    found = ManifestContent(*row)
    if _accepts(accept, found.media_type):
        return found
    if found.media_type in INDEX_TYPES and is_tag(reference):
        # A client that cannot read lists gets the linux/amd64 image, as the reference registry does.
        child = _default_platform_child(found, namespace=namespace, name=name)
        if child is not None and _accepts(accept, child.media_type):
            return child
    raise ManifestUnknown(
        detail={"reference": reference, "mediaType": found.media_type},
        message="manifest not available in a media type the client accepts",
    )


def _default_platform_child(parent: ManifestContent, *, namespace: str, name: str) -> ManifestContent | None:
    for descriptor in manifest_parse(parent.content, parent.media_type).children:
        platform = descriptor.platform or {}
        if platform.get("os") == "linux" and platform.get("architecture") == "amd64":
            row = manifest_row_by_digest(namespace=namespace, name=name, digest=descriptor.digest)
            return ManifestContent(*row) if row else None
    return None


def manifest_get_served(*, repository: Repository, digest: str) -> Manifest:
    """A manifest the repository serves (not deleted by digest); NotFound otherwise."""
    manifest = (
        Manifest.objects.select_related("repository__namespace")
        .filter(repository=repository, digest=digest, deleted__isnull=True)
        .first()
    )
    if manifest is None:
        raise NotFound(f"no manifest {digest[:100]!r} in {repository}")
    return manifest


def _layer_history(config: dict | None) -> list[dict]:
    """The config's history entries that made a layer, in layer order."""
    history = (config or {}).get("history")
    if not isinstance(history, list):
        return []
    return [entry for entry in history if isinstance(entry, dict) and not entry.get("empty_layer")]


def _rfc2822(created: object) -> str | None:
    if not isinstance(created, str):
        return None
    try:
        moment = datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError:
        return None
    return formatdate(moment.timestamp())


def manifest_summary(*, manifest: Manifest) -> dict:
    """Quay's manifest view: the exact bytes and, for an image, its layers, with the command,
    author and time of each from the image config's history where the config has one."""
    is_list = manifest.media_type in INDEX_TYPES
    layers = None
    if not is_list:
        parsed = manifest_parse(bytes(manifest.content), manifest.media_type)
        history = _layer_history(image_config_read(repository=manifest.repository, parsed=parsed))
        if len(history) != len(parsed.layers):
            history = [{}] * len(parsed.layers)
        layers = [
            {
                "index": index,
                "compressed_size": layer.size,
                "is_remote": bool(layer.urls),
                "urls": list(layer.urls) or None,
                "command": [entry["created_by"]] if isinstance(entry.get("created_by"), str) else None,
                "comment": entry.get("comment") if isinstance(entry.get("comment"), str) else None,
                "author": entry.get("author") if isinstance(entry.get("author"), str) else None,
                "blob_digest": layer.digest,
                "created_datetime": _rfc2822(entry.get("created")),
            }
            for index, (layer, entry) in enumerate(zip(parsed.layers, history, strict=True))
        ]
    return {
        "digest": manifest.digest,
        "is_manifest_list": is_list,
        "manifest_data": bytes(manifest.content).decode("utf-8", errors="replace"),
        "config_media_type": manifest.config_media_type or None,
        "layers": layers,
        "layers_compressed_size": sum(layer["compressed_size"] for layer in layers)
        if layers is not None
        else None,
    }


def referrers_list(*, repository: Repository, digest: str, artifact_type: str | None) -> list[dict]:
    rows = Manifest.objects.filter(
        repository=repository, subject_digest=digest, deleted__isnull=True
    ).order_by("pk")
    if artifact_type:
        rows = rows.filter(artifact_type=artifact_type)
    descriptors = []
    for media_type, manifest_digest, size, kind, notes in rows.values_list(
        "media_type", "digest", "size", "artifact_type", "annotations"
    ):
        descriptor = {"mediaType": media_type, "digest": manifest_digest, "size": size}
        if kind:
            descriptor["artifactType"] = kind
        if notes:
            descriptor["annotations"] = notes
        descriptors.append(descriptor)
    return descriptors
