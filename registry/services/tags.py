"""Tags as history rows: moving or deleting a tag ends its open row."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from registry.errors import ManifestUnknown
from registry.models import Manifest, Repository, Tag


def tag_active_q(now: datetime, prefix: str = "") -> Q:
    """A row is live while its end is unset or still ahead (an expiring tag)."""
    return Q(**{f"{prefix}end__isnull": True}) | Q(**{f"{prefix}end__gt": now})


def tag_set(*, repository: Repository, name: str, manifest: Manifest) -> None:
    """Points a tag at a manifest. The caller holds the repository row lock."""
    now = timezone.now()
    current = Tag.objects.filter(tag_active_q(now), repository=repository, name=name).first()
    if current is not None:
        if current.manifest_id == manifest.pk:
            return
        Tag.objects.filter(pk=current.pk).update(end=now)
    Tag.objects.create(repository=repository, name=name, manifest=manifest, start=now)


def tag_delete(*, repository: Repository, name: str) -> None:
    now = timezone.now()
    ended = Tag.objects.filter(tag_active_q(now), repository=repository, name=name).update(end=now)
    if not ended:
        raise ManifestUnknown(detail={"tag": name})


def tag_names(*, repository: Repository, last: str | None, limit: int | None) -> list[str]:
    names = (
        Tag.objects.filter(tag_active_q(timezone.now()), repository=repository)
        .order_by("name")
        .values_list("name", flat=True)
        .distinct()
    )
    if last:
        names = names.filter(name__gt=last)
    if limit is not None:
        names = names[:limit]
    return list(names)
