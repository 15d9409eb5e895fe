"""Exact storage accounting: the bytes each repository and each namespace keeps stored.

What counts: a repository holds a manifest's own bytes and every blob its manifest rows
reference, from the manifest commit that creates the row until garbage collection deletes it.
A blob counts once per repository and once per namespace however many manifests, tags or
indexes reference it. So a tag delete or a delete by digest lowers nothing (the rows stay for
the time machine; what GC would free is "reclaimable", computed on read), and uploaded or
mounted blobs no manifest references yet count nothing. A blob a manifest row references cannot
leave before the row (``ManifestBlob`` protects it, and GC keeps links a manifest references),
so totals move on exactly two hook points: ``before_manifest_commit`` (a new manifest row) and
``before_manifest_delete`` (rows GC or a purge deletes). ``after_blob_delete`` moves nothing:
a link or blob row deleted is never one a manifest row still references.

Lock order: the services call both hooks holding the repository row lock; the hooks then lock
the namespace's size row, so every writer takes repository, then namespace, and concurrent
pushes into one namespace serialize only for the few statements before their commit. Every
write of a namespace's RepositorySize rows here (the hooks, ``sizes_reconcile``) holds that
namespace's size row lock first, which is what lets ``quota.backfill`` rewrite them safely.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from quota.models import NamespaceSize, RepositorySize
from registry import hooks

# The bytes of the blobs the given manifest rows reference that no other manifest row of the scope
# (the repository, or every repository of the namespace) references.
_BLOBS_ONLY_IN = """
    SELECT COALESCE(SUM(b.size), 0) FROM registry_blob b
    WHERE b.id IN (
        SELECT mb.blob_id FROM registry_manifestblob mb WHERE mb.manifest_id IN ({ids})
    ) AND NOT EXISTS (
        SELECT 1 FROM registry_manifestblob other
        JOIN registry_manifest m ON m.id = other.manifest_id
        JOIN registry_repository r ON r.id = m.repository_id
        WHERE other.blob_id = b.id AND other.manifest_id NOT IN ({ids}) AND {scope} = %s
    )
"""
# An upsert locks the row whichever way it goes, so creating and locking is one statement.
_NAMESPACE_SIZE_LOCK = """
    INSERT INTO quota_namespacesize (namespace_id, total_bytes, sized_at) VALUES (%s, 0, %s)
    ON CONFLICT (namespace_id) DO UPDATE SET total_bytes = quota_namespacesize.total_bytes
"""
_REPOSITORY_SIZE_ADD = """
    INSERT INTO quota_repositorysize (repository_id, namespace_id, total_bytes) VALUES (%s, %s, %s)
    ON CONFLICT (repository_id)
    DO UPDATE SET total_bytes = quota_repositorysize.total_bytes + EXCLUDED.total_bytes
"""


def _blob_bytes_only_in(*, manifest_ids: list[int], repository_id: int, namespace_id: int) -> tuple[int, int]:
    """The bytes of blobs only these manifest rows reference: within the repository, within
    the namespace."""
    ids = ", ".join(["%s"] * len(manifest_ids))
    in_repository = _BLOBS_ONLY_IN.format(ids=ids, scope="r.id")
    in_namespace = _BLOBS_ONLY_IN.format(ids=ids, scope="r.namespace_id")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ({in_repository}), ({in_namespace})",
            [*manifest_ids, *manifest_ids, repository_id, *manifest_ids, *manifest_ids, namespace_id],
        )
        repository_bytes, namespace_bytes = cursor.fetchone()
    return int(repository_bytes), int(namespace_bytes)


def _namespace_size_lock(namespace_id: int) -> None:
    """Locks the namespace's size row to the end of the transaction, creating it first. A row
    made here is sized: every namespace older than the accounting got an unsized row from
    migration 0004, so one without a row has had all its content counted by these hooks."""
    sized_at = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(_NAMESPACE_SIZE_LOCK, [namespace_id, sized_at])


def _sizes_add(*, repository_id: int, namespace_id: int, repository_bytes: int, namespace_bytes: int) -> None:
    """Moves both totals; the caller holds the repository lock and the namespace size lock."""
    with connection.cursor() as cursor:
        cursor.execute(_REPOSITORY_SIZE_ADD, [repository_id, namespace_id, repository_bytes])
    NamespaceSize.objects.filter(namespace_id=namespace_id).update(
        total_bytes=F("total_bytes") + namespace_bytes
    )


def accounting_manifest_commit(event: hooks.ManifestCommit) -> None:
    """A new manifest row brings its own bytes and the blobs no other row of the repository
    (of the namespace) referenced yet. A known manifest pushed again brings nothing."""
    if not event.created:
        return
    repository = event.repository
    _namespace_size_lock(repository.namespace_id)
    repository_blobs, namespace_blobs = _blob_bytes_only_in(
        manifest_ids=[event.manifest.pk], repository_id=repository.pk, namespace_id=repository.namespace_id
    )
    _sizes_add(
        repository_id=repository.pk,
        namespace_id=repository.namespace_id,
        repository_bytes=event.manifest.size + repository_blobs,
        namespace_bytes=event.manifest.size + namespace_blobs,
    )


def accounting_manifests_deleting(event: hooks.ManifestsDeleting) -> None:
    """The rows take their own bytes and the blobs no remaining row references."""
    repository = event.repository
    ids = [manifest_id for manifest_id, _ in event.manifests]
    own = sum(size for _, size in event.manifests)
    _namespace_size_lock(repository.namespace_id)
    repository_blobs, namespace_blobs = _blob_bytes_only_in(
        manifest_ids=ids, repository_id=repository.pk, namespace_id=repository.namespace_id
    )
    _sizes_add(
        repository_id=repository.pk,
        namespace_id=repository.namespace_id,
        repository_bytes=-(own + repository_blobs),
        namespace_bytes=-(own + namespace_blobs),
    )


def accounting_hooks_register() -> None:
    """Idempotent: ready() may run more than once in a process."""
    if accounting_manifest_commit not in hooks.before_manifest_commit:
        hooks.before_manifest_commit.append(accounting_manifest_commit)
    if accounting_manifests_deleting not in hooks.before_manifest_delete:
        hooks.before_manifest_delete.append(accounting_manifests_deleting)


@dataclass(frozen=True)
class Sizes:
    namespace_bytes: int
    repository_bytes: dict[int, int]


_REPOSITORY_TOTALS = """
    SELECT r.id,
        COALESCE((SELECT SUM(m.size) FROM registry_manifest m WHERE m.repository_id = r.id), 0)
        + COALESCE((SELECT SUM(b.size) FROM registry_blob b WHERE b.id IN (
            SELECT mb.blob_id FROM registry_manifestblob mb
            JOIN registry_manifest m ON m.id = mb.manifest_id WHERE m.repository_id = r.id)), 0)
    FROM registry_repository r WHERE r.namespace_id = %s
"""
_NAMESPACE_TOTAL = """
    SELECT
        COALESCE((SELECT SUM(m.size) FROM registry_manifest m
            JOIN registry_repository r ON r.id = m.repository_id
            WHERE r.namespace_id = %s), 0)
        + COALESCE((SELECT SUM(b.size) FROM registry_blob b WHERE b.id IN (
            SELECT mb.blob_id FROM registry_manifestblob mb
            JOIN registry_manifest m ON m.id = mb.manifest_id
            JOIN registry_repository r ON r.id = m.repository_id
            WHERE r.namespace_id = %s)), 0)
"""


def sizes_recompute(*, namespace_id: int) -> Sizes:
    """The namespace's totals from scratch, read from the registry's rows; writes nothing."""
    with connection.cursor() as cursor:
        cursor.execute(_REPOSITORY_TOTALS, [namespace_id])
        repositories = {int(pk): int(total) for pk, total in cursor.fetchall()}
        cursor.execute(_NAMESPACE_TOTAL, [namespace_id, namespace_id])
        namespace_total = int(cursor.fetchone()[0])
    return Sizes(namespace_bytes=namespace_total, repository_bytes=repositories)


def sizes_reconcile(*, namespace_id: int) -> int:
    """Sets the namespace's stored totals to a recomputation; returns the drift it corrected
    (stored minus recomputed namespace bytes, plus each repository's absolute difference).

    Under the namespace size row lock every accounting hook of the namespace waits, so the
    recomputation sees each change either committed or not yet counted."""
    with transaction.atomic():
        _namespace_size_lock(namespace_id)
        fresh = sizes_recompute(namespace_id=namespace_id)
        stored_namespace = NamespaceSize.objects.get(namespace_id=namespace_id).total_bytes
        stored = dict(
            RepositorySize.objects.filter(namespace_id=namespace_id).values_list(
                "repository_id", "total_bytes"
            )
        )
        drift = abs(stored_namespace - fresh.namespace_bytes)
        for repository_id, total in fresh.repository_bytes.items():
            drift += abs(stored.get(repository_id, 0) - total)
            # A missing row holds 0 bytes: inserting one would wait on the repository's row lock
            # (the foreign key check) while holding the namespace's, against the lock order.
            if stored.get(repository_id, 0) != total:
                RepositorySize.objects.update_or_create(
                    repository_id=repository_id, defaults={"namespace_id": namespace_id, "total_bytes": total}
                )
        NamespaceSize.objects.filter(namespace_id=namespace_id).update(total_bytes=fresh.namespace_bytes)
    return drift
