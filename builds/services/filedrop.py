"""Uploaded build contexts (Quay's filedrop): a POST makes a slot, one PUT streams the file into
storage. A build names the slot by its ``file_id``; only its uploader may use it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from builds.errors import BuildInvalid, BuildNotFound
from builds.models import ENDED_PHASES, FileDrop, RepositoryBuild
from orgs.models import User
from registry.storage import preferred_location, storage_for
from registry.storage.paths import filedrop_path

# A build context larger than this is refused while it streams (Quay has no lower limit).
FILEDROP_MAX_BYTES = 2 * 1024 * 1024 * 1024


def filedrop_create(*, actor: User, mime_type: str) -> FileDrop:
    return FileDrop.objects.create(uploader=actor, mime_type=mime_type[:255])


def filedrop_get(*, file_id: str) -> FileDrop:
    drop = FileDrop.objects.filter(file_id=file_id).first() if _is_uuid(file_id) else None
    if drop is None:
        raise BuildNotFound(f"no upload slot {file_id!r}")
    return drop


def filedrop_store(*, file_drop: FileDrop, chunks: Iterable[bytes]) -> FileDrop:
    """Streams the upload into storage, then marks the slot uploaded; a second PUT replaces it
    (a retried upload), while no build has read it."""
    storage = storage_for(preferred_location())
    with storage.writer(filedrop_path(str(file_drop.file_id))) as writer:
        for chunk in chunks:
            writer.write(chunk)
            if writer.size > FILEDROP_MAX_BYTES:
                raise BuildInvalid(f"a build context is at most {FILEDROP_MAX_BYTES} bytes")
        if writer.size == 0:
            raise BuildInvalid("the uploaded build context is empty")
        writer.commit()
    with transaction.atomic():
        file_drop.size = writer.size
        file_drop.uploaded = timezone.now()
        file_drop.save(update_fields=["size", "uploaded"])
    return file_drop


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def filedrops_expire(*, older_than: timedelta) -> int:
    """Deletes uploads older than ``older_than`` that no build still running may read (a retry
    unpacks its upload again); bytes first, so a crash between leaves a row that goes next time."""
    cutoff = timezone.now() - older_than
    in_use = RepositoryBuild.objects.exclude(phase__in=ENDED_PHASES).filter(source__kind="archive")
    used = {str(key) for key in in_use.values_list("source__resource_key", flat=True)}
    storage = storage_for(preferred_location())
    removed = 0
    for drop in FileDrop.objects.filter(created__lt=cutoff).order_by("pk")[:1000]:
        if str(drop.file_id) in used:
            continue
        storage.delete(filedrop_path(str(drop.file_id)))
        drop.delete()
        removed += 1
    return removed
