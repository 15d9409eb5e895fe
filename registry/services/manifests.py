"""Manifests: push with reference checks, pull with content negotiation, delete, referrers."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from orgs.models import User
from registry import hooks
from registry.digests import ALGORITHMS, content_digest, digest_algorithm
from registry.errors import (
    DigestInvalid,
    ManifestBlobUnknown,
    ManifestInvalid,
    ManifestUnknown,
    TagInvalid,
)
from registry.manifest_formats import (
    ParsedManifest,
    manifest_artifact_type,
    manifest_parse,
)
from registry.models import Manifest, ManifestBlob, ManifestChild, Repository, RepositoryBlob, Tag
from registry.names import is_digest, is_tag
from registry.services.gc_due import gc_due_mark
from registry.services.labels import (
    config_labels_read,
    expires_after,
    labels_record_from_config,
    manifest_labels_from_config,
)
from registry.services.repositories import repository_get_or_create
from registry.services.repository_locks import repository_lock
from registry.services.repository_states import repository_push_check
from registry.services.tags import tag_set
from registry.tag_liveness import tag_active_q


def _blobs_check(repository: Repository, parsed: ParsedManifest) -> list[int]:
    wanted = {d.digest: d.size for d in parsed.blob_references}
    held = {
        digest: (blob_id, size)
        for digest, blob_id, size in RepositoryBlob.objects.filter(
            repository=repository, blob__digest__in=wanted
        ).values_list("blob__digest", "blob_id", "blob__size")
    }
    missing = sorted(set(wanted) - set(held))
    if missing:
        raise ManifestBlobUnknown(detail={"digest": missing[0]})
    for digest, size in wanted.items():
        if held[digest][1] != size:
            raise ManifestInvalid(detail={"reason": f"descriptor size of {digest} is not the blob's size"})
    return [blob_id for blob_id, _ in held.values()]


def _children_check(repository: Repository, parsed: ParsedManifest, sparse: bool) -> list[int]:
    wanted = {d.digest for d in parsed.children}
    held = dict(
        Manifest.objects.filter(repository=repository, digest__in=wanted, deleted__isnull=True).values_list(
            "digest", "pk"
        )
    )
    missing = sorted(wanted - set(held))
    if missing and not sparse:
        raise ManifestUnknown(detail={"digest": missing[0]})
    return list(held.values())


def manifest_put(
    *,
    full_name: str,
    reference: str,
    content: bytes,
    content_type: str,
    creator: User | None = None,
    pusher_id: int | None = None,
    sparse: bool = False,
) -> tuple[Manifest, ParsedManifest]:
    """Stores a manifest and moves its tag; a refused manifest leaves no repository behind.

    A new image manifest gets its config's labels; ``quay.expires-after`` among them makes the
    pushed tag expire that long after the push. ``sparse`` lets an index name children this
    repository does not hold (a mirror keeps the whole index but copies chosen platforms only).
    """
    with hooks.push_denials_reported(pusher_id):
        return _manifest_store(
            full_name=full_name,
            reference=reference,
            content=content,
            content_type=content_type,
            creator=creator,
            pusher_id=pusher_id,
            sparse=sparse,
        )


@transaction.atomic
def _manifest_store(
    *,
    full_name: str,
    reference: str,
    content: bytes,
    content_type: str,
    creator: User | None,
    pusher_id: int | None,
    sparse: bool,
) -> tuple[Manifest, ParsedManifest]:
    if is_digest(reference):
        # Pushed by digest: stored under that digest's algorithm (sha256 or sha512).
        algorithm = digest_algorithm(reference)
        if algorithm not in ALGORITHMS:
            raise DigestInvalid(detail={"digest": reference[:150]}, message="unsupported digest algorithm")
        digest = content_digest(content, algorithm)
        if reference != digest:
            raise DigestInvalid(detail={"expected": reference, "actual": digest})
    elif not is_tag(reference):
        raise TagInvalid(detail={"tag": reference[:200]})
    else:
        digest = content_digest(content)
    parsed = manifest_parse(content, content_type)
    repository = repository_get_or_create(full_name=full_name, creator=creator)
    repository_push_check(repository=repository, user_id=pusher_id)
    known = Manifest.objects.filter(repository=repository, digest=digest).exists()
    # Read before the lock: storage may be slow, and the labels of a known manifest are stored.
    labels = None if known else config_labels_read(repository=repository, parsed=parsed)
    # Serializes tag writes per repository, and holds GC off it: the links and manifests checked
    # below stay until this commits, and GC's next look sees the new references. Pulls never
    # take this lock.
    repository_lock(repository_id=repository.pk)
    # A push may end a tag row or leave a manifest untagged: GC looks again.
    gc_due_mark(repository_id=repository.pk)
    blob_ids = _blobs_check(repository, parsed)
    child_ids = _children_check(repository, parsed, sparse)
    manifest = Manifest.objects.filter(repository=repository, digest=digest).first()
    created = manifest is None
    if manifest is None:
        manifest = _manifest_create(repository, digest, parsed, content, blob_ids, child_ids)
        labels_record_from_config(manifest=manifest, labels=labels or {})
    elif manifest.deleted is not None:
        # Pushed again after a delete by digest: served again.
        Manifest.objects.filter(pk=manifest.pk).update(deleted=None)
        manifest.deleted = None
    tag = None if is_digest(reference) else reference
    if tag is not None:
        if labels is None:
            labels = manifest_labels_from_config(manifest=manifest)
        tag_set(repository=repository, name=tag, manifest=manifest, expires=_expiry(labels))
    hooks.hooks_run(
        hooks.before_manifest_commit, hooks.ManifestCommit(repository, manifest, created, tag, pusher_id)
    )
    hooks.hooks_run(hooks.after_push, hooks.Pushed(repository, manifest, tag, pusher_id))
    return manifest, parsed


def _expiry(labels: dict[str, str]) -> datetime | None:
    duration = expires_after(labels)
    return timezone.now() + duration if duration else None


def _manifest_create(
    repository: Repository,
    digest: str,
    parsed: ParsedManifest,
    content: bytes,
    blob_ids: list[int],
    child_ids: list[int],
) -> Manifest:
    manifest = Manifest.objects.create(
        repository=repository,
        digest=digest,
        media_type=parsed.media_type,
        artifact_type=manifest_artifact_type(parsed),
        content=content,
        size=len(content),
        config_media_type=parsed.config.media_type if parsed.config else "",
        subject_digest=parsed.subject.digest if parsed.subject else "",
        annotations=parsed.annotations,
    )
    ManifestBlob.objects.bulk_create([ManifestBlob(manifest=manifest, blob_id=b) for b in set(blob_ids)])
    ManifestChild.objects.bulk_create([ManifestChild(manifest=manifest, child_id=c) for c in set(child_ids)])
    return manifest


def manifest_delete(*, repository: Repository, digest: str, pusher_id: int | None) -> None:
    """Deleted by digest: its live tags end (into the time machine) and it is served no more.
    The row stays, so a restore can bring it back; GC deletes it once nothing keeps it."""
    repository_push_check(repository=repository, user_id=pusher_id)
    with transaction.atomic():
        repository_lock(repository_id=repository.pk)
        manifest = Manifest.objects.filter(repository=repository, digest=digest, deleted__isnull=True).first()
        if manifest is None:
            raise ManifestUnknown(detail={"digest": digest})
        if ManifestChild.objects.filter(child=manifest, manifest__deleted__isnull=True).exists():
            raise ManifestInvalid(detail={"reason": "an index in this repository still refers to it"})
        now = timezone.now()
        live = Tag.objects.filter(tag_active_q(now), manifest=manifest)
        names = tuple(sorted(set(live.values_list("name", flat=True))))
        live.update(end=now)
        Manifest.objects.filter(pk=manifest.pk).update(deleted=now)
        gc_due_mark(repository_id=repository.pk)
        if names:
            hooks.hooks_run(hooks.after_tag_delete, hooks.TagsEnded(repository, names, pusher_id))
