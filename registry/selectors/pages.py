"""Reads the registry pages need beyond the API's: a manifest's parts, platforms, tag history.

Manifest bytes are parsed with the same parser that accepted them at push; the image config is
read by the labels service, which bounds its size, so a page never loads a large blob.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Sum
from django.utils import timezone

from orgs.services.namespaces import time_machine_window
from registry.errors import RegistryError
from registry.manifest_formats import INDEX_TYPES, ParsedManifest, manifest_parse
from registry.models import Label, Manifest, Repository, Tag
from registry.selectors.labels import label_list
from registry.selectors.manifests import manifest_get_served, manifest_summary, referrers_list
from registry.services.labels import IMAGE_CONFIG_TYPES, image_config_read
from registry.tag_liveness import tag_active_q

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


@dataclass
class ManifestDetail:
    manifest: Manifest
    total_size: int | None
    layers: list[dict]
    config_digest: str
    config: dict | None
    labels: list[Label] = field(default_factory=list)
    platforms: list[dict] = field(default_factory=list)
    referrers: list[dict] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    @property
    def artifact_type(self) -> str:
        # An image's config type says nothing beyond "this is an image": only other kinds show.
        kind = self.manifest.artifact_type
        return "" if kind in IMAGE_CONFIG_TYPES else kind


def manifest_detail(*, repository: Repository, digest: str) -> ManifestDetail:
    """A served manifest (not one deleted by digest) with its layers (and the commands that made
    them), image config, labels, platforms, referrers and live tags."""
    manifest = manifest_get_served(repository=repository, digest=digest)
    parsed = manifest_parsed(manifest)
    now = timezone.now()
    return ManifestDetail(
        manifest=manifest,
        total_size=Manifest.objects.filter(pk=manifest.pk).aggregate(total=Sum("blobs__size"))["total"],
        layers=manifest_summary(manifest=manifest)["layers"] or [],
        config_digest=parsed.config.digest if parsed is not None and parsed.config else "",
        config=image_config_read(repository=repository, parsed=parsed) if parsed is not None else None,
        labels=list(label_list(manifest=manifest, prefix=None)),
        platforms=manifest_platforms(manifest),
        referrers=referrers_list(repository=repository, digest=digest, artifact_type=None),
        tags=sorted(
            Tag.objects.filter(tag_active_q(now), repository=repository, manifest=manifest).values_list(
                "name", flat=True
            )
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
