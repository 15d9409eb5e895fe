"""Blobs: one stored copy per digest, linked into repositories."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import BinaryIO

from django.db import transaction
from django.utils import timezone

from registry import hooks
from registry.digests import ResumableHash
from registry.errors import BlobUnknown
from registry.models import Blob, BlobPlacement, Repository, RepositoryBlob
from registry.selectors.placement import pull_location
from registry.services.blob_locks import blob_reference_guard
from registry.services.gc_due import gc_due_mark
from registry.services.replication import replication_queue
from registry.services.repository_states import repository_push_check
from registry.storage.base import BlobWriter


def blob_link(*, repository: Repository, blob: Blob) -> None:
    """Links the blob into the repository, or renews the link's grace period if it exists."""
    RepositoryBlob.objects.bulk_create(
        [RepositoryBlob(repository=repository, blob=blob, touched=timezone.now())],
        update_conflicts=True,
        unique_fields=["repository", "blob"],
        update_fields=["touched"],
    )
    # The link is garbage once its grace ends unless a manifest takes it: GC must look then.
    gc_due_mark(repository_id=repository.pk)
    replication_queue(blob=blob, namespace_id=repository.namespace_id)


@transaction.atomic
def blob_record(*, digest: str, size: int, location: str, repository: Repository) -> Blob:
    """Records the blob, its placement and its link to the repository in one transaction;
    a concurrent push of the same digest makes the inserts no-ops, never errors."""
    Blob.objects.bulk_create([Blob(digest=digest, size=size)], ignore_conflicts=True)
    blob = Blob.objects.get(digest=digest)
    BlobPlacement.objects.bulk_create([BlobPlacement(blob=blob, location=location)], ignore_conflicts=True)
    blob_link(repository=repository, blob=blob)
    return blob


def blob_stored_location(*, digest: str) -> str | None:
    """Where an identical blob already lives, so a second push stores nothing new."""
    locations = set(BlobPlacement.objects.filter(blob__digest=digest).values_list("location", flat=True))
    return pull_location(list(locations)) if locations else None


def blob_mount(
    *, repository: Repository, digest: str, source: Repository, pusher_id: int | None
) -> Blob | None:
    """Links the source's blob into the repository; None when the source holds no such blob."""
    with hooks.push_denials_reported(pusher_id), transaction.atomic():
        repository_push_check(repository=repository, user_id=pusher_id)
        # Without the guard, GC could unlink the source and delete the blob between the lookup
        # and the new link, and the commit would fail on the deferred foreign key.
        blob_reference_guard(digest)
        blob = Blob.objects.filter(digest=digest, repository_links__repository=source).first()
        if blob is not None:
            start = hooks.UploadStart(repository, pusher_id, blob.size, blob.pk)
            hooks.hooks_run(hooks.before_upload, start)
            blob_link(repository=repository, blob=blob)
        return blob


@transaction.atomic
def blob_unlink(*, repository: Repository, digest: str, pusher_id: int | None) -> None:
    repository_push_check(repository=repository, user_id=pusher_id)
    links = RepositoryBlob.objects.filter(repository=repository, blob__digest=digest)
    gone = tuple(links.values_list("blob_id", "blob__size"))
    deleted, _ = links.delete()
    if not deleted:
        raise BlobUnknown(detail={"digest": digest})
    gc_due_mark(repository_id=repository.pk)
    hooks.hooks_run(hooks.after_blob_delete, hooks.BlobsDeleted(repository.pk, gone))


def stream_into(chunks: Iterable[bytes], writer: BlobWriter, hasher: ResumableHash | None) -> int:
    """The one pass: every chunk is hashed and written as it arrives, never gathered."""
    for chunk in chunks:
        if hasher is not None:
            hasher.update(chunk)
        writer.write(chunk)
    return writer.size


def stream_read(stream: BinaryIO, length: int, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
    """Yields up to length bytes of a storage stream, then closes it."""
    try:
        remaining = length
        while remaining > 0:
            chunk = stream.read(min(chunk_size, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk
    finally:
        stream.close()
