"""A finished build's log, moved from its rows to one gzipped JSON-lines object in storage
(registry.storage.paths.build_log_archive_path); the logs API then reads the archive."""

from __future__ import annotations

import gzip
import json

from django.db import transaction

from builds.models import ENDED_PHASES, BuildLogEntry, RepositoryBuild
from registry.storage import preferred_location, storage_for
from registry.storage.base import BlobWriter
from registry.storage.paths import build_log_archive_path


def entry_json(entry: BuildLogEntry) -> dict:
    return {
        "index": entry.index,
        "phase": entry.phase,
        "message": entry.message,
        "kind": entry.kind,
        "time": entry.time.isoformat(),
    }


def build_logs_archive(*, build_id: int) -> bool:
    """Archives an ended build's log once; False when it is not ended or already archived. The
    object is written before the rows go, so a crash between leaves rows the next run re-archives
    over the same path."""
    build = RepositoryBuild.objects.filter(pk=build_id).first()
    if build is None or build.phase not in ENDED_PHASES or build.logs_archived:
        return False
    storage = storage_for(preferred_location())
    path = build_log_archive_path(str(build.uuid))
    with storage.writer(path) as writer:
        with gzip.GzipFile(fileobj=_WriterFile(writer), mode="wb") as packed:
            for entry in BuildLogEntry.objects.filter(build_id=build_id).order_by("index").iterator(2000):
                packed.write(json.dumps(entry_json(entry)).encode() + b"\n")
        writer.commit()
    with transaction.atomic():
        # Lines appended after the build ended would be lost with the rows: none may arrive,
        # as appends to an ended build come only from its phase change, before this job.
        updated = RepositoryBuild.objects.filter(pk=build_id, logs_archived=False).update(logs_archived=True)
        if updated:
            BuildLogEntry.objects.filter(build_id=build_id).delete()
    return bool(updated)


def build_logs_archived_read(*, build: RepositoryBuild) -> list[dict]:
    storage = storage_for(preferred_location())
    with storage.open(build_log_archive_path(str(build.uuid))) as stream:
        with gzip.GzipFile(fileobj=stream, mode="rb") as unpacked:
            return [json.loads(line) for line in unpacked]


class _WriterFile:
    """A write-only file over a BlobWriter, for gzip."""

    def __init__(self, writer: BlobWriter) -> None:
        self._writer = writer

    def write(self, data: bytes) -> int:
        self._writer.write(data)
        return len(data)

    def flush(self) -> None:
        pass
