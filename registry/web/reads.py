"""Reads the registry pages need beyond the API's: a manifest's parts, platforms, tag history.

Manifest bytes are parsed with the same parser that accepted them at push; an image config is
read from storage up to CONFIG_READ_MAX bytes, so a page never loads a large blob.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Sum
from django.utils import timezone

from orgs.errors import NotFound
from registry.errors import RegistryError
from registry.manifest_formats import INDEX_TYPES, Descriptor, ParsedManifest, manifest_parse
from registry.models import Blob, Manifest, Repository, Tag
from registry.services.manifests import referrers_list
from registry.services.time_machine import time_machine_window
from registry.storage import storage_for
from registry.storage.base import PathNotFound
from registry.storage.paths import blob_path

CONFIG_READ_MAX = 1024 * 1024
# An image's config type says nothing beyond "this is an image": only other artifact types are shown.
IMAGE_CONFIG_TYPES = frozenset(
    {"application/vnd.oci.image.config.v1+json", "application/vnd.docker.container.image.v1+json"}
)
HISTORY_ROWS_MAX = 200


def manifest_parsed(manifest: Manifest) -> ParsedManifest | None:
    try:
        return manifest_parse(bytes(manifest.content), manifest.media_type)
    except RegistryError:
        return None


def platform_name(platform: dict | None) -> str:
    if not platform:
        return "unknown platform"
    name = f"{platform.get('os', '?')}/{platform.get('architecture', '?')}"
    return f"{name}/{platform['variant']}" if platform.get("variant") else name


def manifest_platforms(manifest: Manifest) -> list[dict]:
    """An index's children as {'platform', 'digest', 'size'}; empty for a single image."""
    if manifest.media_type not in INDEX_TYPES:
        return []
    parsed = manifest_parsed(manifest)
    children = parsed.children if parsed else []
    return [{"platform": platform_name(c.platform), "digest": c.digest, "size": c.size} for c in children]


def manifest_get_in(*, repository: Repository, digest: str) -> Manifest:
    manifest = (
        Manifest.objects.filter(repository=repository, digest=digest)
        .annotate(total_size=Sum("blobs__size"))
        .first()
    )
    if manifest is None:
        raise NotFound(f"no manifest {digest} in {repository}")
    return manifest


def _config_read(descriptor: Descriptor | None) -> dict | None:
    if descriptor is None or descriptor.size > CONFIG_READ_MAX:
        return None
    blob = Blob.objects.filter(digest=descriptor.digest).prefetch_related("placements").first()
    placement = blob.placements.first() if blob is not None else None
    if placement is None:
        return None
    try:
        with storage_for(placement.location).open(blob_path(blob.digest)) as stream:
            raw = stream.read(CONFIG_READ_MAX + 1)
    except PathNotFound:
        return None
    try:
        config = json.loads(raw)
    except ValueError:
        return None
    return config if isinstance(config, dict) else None


@dataclass
class ManifestDetail:
    manifest: Manifest
    parsed: ParsedManifest | None
    config: dict | None
    labels: dict = field(default_factory=dict)
    platforms: list[dict] = field(default_factory=list)
    referrers: list[dict] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    @property
    def artifact_type(self) -> str:
        kind = self.manifest.artifact_type
        return "" if kind in IMAGE_CONFIG_TYPES else kind


def manifest_detail(*, repository: Repository, digest: str) -> ManifestDetail:
    manifest = manifest_get_in(repository=repository, digest=digest)
    parsed = manifest_parsed(manifest)
    config = _config_read(parsed.config) if parsed is not None else None
    image_config = (config or {}).get("config") or {}
    now = timezone.now()
    return ManifestDetail(
        manifest=manifest,
        parsed=parsed,
        config=config,
        labels=image_config.get("Labels") or {},
        platforms=manifest_platforms(manifest),
        referrers=referrers_list(repository=repository, digest=digest, artifact_type=None),
        tags=sorted(
            Tag.objects.filter(repository=repository, manifest=manifest)
            .exclude(end__lte=now)
            .values_list("name", flat=True)
        ),
    )


@dataclass(frozen=True)
class HistoryRow:
    tag: Tag
    status: str  # live, expiring, restorable, gone
    restorable: bool


def tag_history_rows(*, repository: Repository, name: str | None = None) -> list[HistoryRow]:
    """Every tag row still held, newest first: live, expiring, or ended (restorable while inside
    the namespace's time-machine window, by the contract's predicate)."""
    now = timezone.now()
    window_start = now - time_machine_window(repository.namespace)
    rows = Tag.objects.filter(repository=repository).select_related("manifest")
    if name:
        rows = rows.filter(name=name)
    history = []
    for tag in rows.order_by("-start", "name", "-pk")[:HISTORY_ROWS_MAX]:
        if tag.end is None:
            status, restorable = "live", False
        elif tag.end > now:
            status, restorable = "expiring", False
        elif tag.end >= window_start:
            status, restorable = "restorable", True
        else:
            status, restorable = "gone", False
        history.append(HistoryRow(tag=tag, status=status, restorable=restorable))
    return history


def tag_expiry(tag: Tag, now: datetime | None = None) -> datetime | None:
    """When a live tag stops resolving, if it is set to."""
    moment = now or timezone.now()
    return tag.end if tag.end is not None and tag.end > moment else None
