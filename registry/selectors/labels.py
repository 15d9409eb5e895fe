"""Reads of a manifest's labels: from its image config and added through the API."""

from __future__ import annotations

from django.db.models import QuerySet

from orgs.errors import NotFound
from registry.models import Label, Manifest


def label_list(*, manifest: Manifest, prefix: str | None) -> QuerySet[Label]:
    labels = Label.objects.filter(manifest=manifest).order_by("created", "pk")
    return labels.filter(key__startswith=prefix) if prefix else labels


def label_get(*, manifest: Manifest, label_id: str) -> Label:
    label = Label.objects.filter(manifest=manifest, uuid=label_id).first()
    if label is None:
        raise NotFound(f"no label {label_id!r} on {manifest.digest}")
    return label
