"""Reads of the stored sizes, the usage against a namespace's quota, and what garbage collection
would give back.

Totals come from the rows the accounting hooks keep (``quota.accounting``); exclusive and
reclaimable bytes are computed on read, a few statements for a whole namespace.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.db import connection
from django.db.models import F, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from orgs.models import Namespace
from orgs.services.namespaces import time_machine_window
from quota.accounting import Sizes
from quota.models import NamespaceQuota, NamespaceSize, QuotaLimit, RepositorySize
from registry.models import Blob, Manifest, Repository
from registry.services.gc import gc_grace

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


def sizes_stored(*, namespace_id: int) -> Sizes:
    """The totals the hooks keep; a repository or namespace without a row holds 0 bytes."""
    namespace_row = NamespaceSize.objects.filter(namespace_id=namespace_id)
    namespace_total = namespace_row.values_list("total_bytes", flat=True).first() or 0
    repository_ids = Repository.objects.filter(namespace_id=namespace_id).values_list("pk", flat=True)
    repositories = dict.fromkeys(repository_ids, 0)
    repositories.update(
        RepositorySize.objects.filter(namespace_id=namespace_id).values_list("repository_id", "total_bytes")
    )
    return Sizes(namespace_bytes=namespace_total, repository_bytes=repositories)


@dataclass(frozen=True)
class LimitRule:
    id: int
    kind: str  # QuotaLimit.Kind: "Warning" or "Reject"
    threshold_percent: int


@dataclass(frozen=True)
class NamespaceUsage:
    namespace_id: int
    namespace_name: str
    stored_bytes: int
    # The namespace's own quota, else DEFAULT_SYSTEM_REJECT_QUOTA_BYTES when set, else None.
    quota_id: int | None
    limit_bytes: int | None
    limit_is_default: bool
    # stored_bytes as a percentage of limit_bytes (may pass 100); None without a limit.
    percent: float | None
    limits: tuple[LimitRule, ...]
    # False until the backfill (quota.backfill) has sized the namespace: stored_bytes may be low.
    sized: bool = True


@dataclass(frozen=True)
class RepositoryUsage:
    repository_id: int
    namespace_name: str
    name: str
    total_bytes: int
    # Manifests' own bytes plus blobs no other repository of the namespace references.
    exclusive_bytes: int
    # What this repository's total drops by once GC runs now.
    reclaimable_bytes: int


@dataclass(frozen=True)
class RegistryUsage:
    # Every stored blob once, referenced or not, plus every manifest's own bytes.
    blob_bytes: int
    manifest_bytes: int
    namespaces: int
    repositories: int

    @property
    def total_bytes(self) -> int:
        return self.blob_bytes + self.manifest_bytes


def _default_limit() -> int | None:
    return settings.DEFAULT_SYSTEM_REJECT_QUOTA_BYTES or None


def _usage(
    namespace: Namespace, stored: int, quota: NamespaceQuota | None, *, sized: bool = True
) -> NamespaceUsage:
    """``quota`` comes with its limits prefetched."""
    limit = quota.limit_bytes if quota is not None else _default_limit()
    rules = [] if quota is None else sorted(quota.limits.all(), key=lambda r: (r.threshold_percent, r.pk))
    return NamespaceUsage(
        namespace_id=namespace.pk,
        namespace_name=namespace.name,
        stored_bytes=stored,
        quota_id=quota.pk if quota is not None else None,
        limit_bytes=limit,
        limit_is_default=quota is None and limit is not None,
        percent=stored * 100 / limit if limit else None,
        limits=tuple(LimitRule(rule.pk, rule.kind, rule.threshold_percent) for rule in rules),
        sized=sized,
    )


def namespace_usage(*, namespace_id: int) -> NamespaceUsage:
    """Raises Namespace.DoesNotExist for an unknown id."""
    namespace = Namespace.objects.get(pk=namespace_id)
    size_row = NamespaceSize.objects.filter(namespace_id=namespace_id)
    stored, sized_at = size_row.values_list("total_bytes", "sized_at").first() or (0, None)
    quota = NamespaceQuota.objects.filter(namespace_id=namespace_id).prefetch_related("limits").first()
    return _usage(namespace, stored, quota, sized=sized_at is not None)


def namespaces_by_usage(*, limit: int) -> list[NamespaceUsage]:
    """The namespaces storing the most bytes, largest first (then by name); those storing
    nothing come last."""
    namespaces = list(
        Namespace.objects.annotate(stored=Coalesce(F("size__total_bytes"), Value(0))).order_by(
            "-stored", "name"
        )[:limit]
    )
    quotas = {
        quota.namespace_id: quota
        for quota in NamespaceQuota.objects.filter(namespace__in=namespaces).prefetch_related("limits")
    }
    return [_usage(namespace, namespace.stored, quotas.get(namespace.pk)) for namespace in namespaces]


def quota_limit_list(*, quota: NamespaceQuota) -> list[QuotaLimit]:
    return list(quota.limits.order_by("threshold_percent", "pk"))


# Per repository of the namespace: its manifests' own bytes plus the blobs that no manifest of
# another repository of the namespace references.
_EXCLUSIVE = """
    WITH held AS (
        SELECT DISTINCT m.repository_id, mb.blob_id FROM registry_manifestblob mb
        JOIN registry_manifest m ON m.id = mb.manifest_id
        JOIN registry_repository r ON r.id = m.repository_id
        WHERE r.namespace_id = %s
    ), sole AS (
        SELECT blob_id, MIN(repository_id) AS repository_id FROM held GROUP BY blob_id HAVING COUNT(*) = 1
    )
    SELECT repository_id, SUM(size) FROM (
        SELECT m.repository_id, m.size FROM registry_manifest m
        JOIN registry_repository r ON r.id = m.repository_id WHERE r.namespace_id = %s
        UNION ALL
        SELECT s.repository_id, b.size FROM sole s JOIN registry_blob b ON b.id = s.blob_id
    ) parts GROUP BY repository_id
"""

# What GC keeps (registry.services.gc_repository.manifests_kept, said in SQL for a namespace):
# manifests a tag row not yet garbage points to, those pushed within the push grace, and what a
# kept manifest names as a child or what refers to it (not deleted by digest), transitively. The
# rest is reclaimable: those manifests' own bytes, and their blobs no kept manifest of the same
# repository references.
_RECLAIMABLE = """
    WITH RECURSIVE edges(source, target) AS (
        SELECT c.manifest_id, c.child_id FROM registry_manifestchild c
        JOIN registry_manifest m ON m.id = c.manifest_id
        JOIN registry_repository r ON r.id = m.repository_id
        WHERE r.namespace_id = %(namespace)s
        UNION ALL
        SELECT p.id, n.id FROM registry_manifest p
        JOIN registry_manifest n ON n.repository_id = p.repository_id
            AND n.subject_digest = p.digest AND n.deleted IS NULL
        JOIN registry_repository r ON r.id = p.repository_id
        WHERE r.namespace_id = %(namespace)s
    ), kept(id) AS (
        SELECT t.manifest_id FROM registry_tag t
        JOIN registry_repository r ON r.id = t.repository_id
        WHERE r.namespace_id = %(namespace)s AND (t.{end} IS NULL OR t.{end} > %(tag_cutoff)s)
        UNION
        SELECT m.id FROM registry_manifest m
        JOIN registry_repository r ON r.id = m.repository_id
        WHERE r.namespace_id = %(namespace)s AND m.created > %(push_cutoff)s
        UNION
        SELECT e.target FROM kept k JOIN edges e ON e.source = k.id
    ), dead AS (
        SELECT m.id, m.repository_id, m.size FROM registry_manifest m
        JOIN registry_repository r ON r.id = m.repository_id
        WHERE r.namespace_id = %(namespace)s AND m.id NOT IN (SELECT id FROM kept)
    )
    SELECT repository_id, SUM(size) FROM (
        SELECT repository_id, size FROM dead
        UNION ALL
        SELECT d.repository_id, b.size FROM (
            SELECT DISTINCT dm.repository_id, mb.blob_id FROM dead dm
            JOIN registry_manifestblob mb ON mb.manifest_id = dm.id
        ) d JOIN registry_blob b ON b.id = d.blob_id
        WHERE NOT EXISTS (
            SELECT 1 FROM registry_manifestblob kb JOIN registry_manifest km ON km.id = kb.manifest_id
            WHERE kb.blob_id = d.blob_id AND km.repository_id = d.repository_id
                AND km.id IN (SELECT id FROM kept)
        )
    ) parts GROUP BY repository_id
"""


def _bytes_by_repository(sql: str, params: list | dict) -> dict[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {int(pk): int(total) for pk, total in cursor.fetchall()}


def _reclaimable_by_repository(namespace: Namespace, now: datetime, grace: timedelta) -> dict[int, int]:
    sql = _RECLAIMABLE.format(end=connection.ops.quote_name("end"))
    params = {
        "namespace": namespace.pk,
        "tag_cutoff": now - time_machine_window(namespace),
        "push_cutoff": now - grace,
    }
    return _bytes_by_repository(sql, params)


class _Stored(TypedDict):
    stored: int


def _repository_usages(
    repositories: list[WithAnnotations[Repository, _Stored]], namespace: Namespace
) -> list[RepositoryUsage]:
    exclusive = _bytes_by_repository(_EXCLUSIVE, [namespace.pk, namespace.pk])
    reclaimable = _reclaimable_by_repository(namespace, timezone.now(), gc_grace())
    return [
        RepositoryUsage(
            repository_id=repository.pk,
            namespace_name=namespace.name,
            name=repository.name,
            total_bytes=repository.stored,
            exclusive_bytes=exclusive.get(repository.pk, 0),
            reclaimable_bytes=reclaimable.get(repository.pk, 0),
        )
        for repository in repositories
    ]


def _repositories_with_totals(**filters: object) -> QuerySet[WithAnnotations[Repository, _Stored]]:
    return Repository.objects.filter(**filters).annotate(stored=Coalesce(F("size__total_bytes"), Value(0)))


def repository_usages(*, namespace_id: int, limit: int | None = None) -> list[RepositoryUsage]:
    """The namespace's repositories, largest total first (then by name)."""
    namespace = Namespace.objects.get(pk=namespace_id)
    repositories = _repositories_with_totals(namespace_id=namespace_id).order_by("-stored", "name")
    if limit is not None:
        repositories = repositories[:limit]
    return _repository_usages(list(repositories), namespace)


def repository_usage(*, repository_id: int) -> RepositoryUsage:
    """Raises Repository.DoesNotExist for an unknown id."""
    repository = _repositories_with_totals(pk=repository_id).select_related("namespace").get()
    return _repository_usages([repository], repository.namespace)[0]


def repository_stored_bytes(*, repository_id: int) -> int:
    """The total the hooks keep for one repository, without the reads of ``repository_usage``."""
    stored = RepositorySize.objects.filter(repository_id=repository_id).values_list("total_bytes", flat=True)
    return stored.first() or 0


def registry_usage() -> RegistryUsage:
    blobs = Blob.objects.aggregate(total=Coalesce(Sum("size"), 0))["total"]
    manifests = Manifest.objects.aggregate(total=Coalesce(Sum("size"), 0))["total"]
    return RegistryUsage(
        blob_bytes=int(blobs),
        manifest_bytes=int(manifests),
        namespaces=Namespace.objects.count(),
        repositories=Repository.objects.count(),
    )


def namespace_sizes_largest(*, limit: int) -> list[tuple[str, int, int | None]]:
    """The namespaces storing the most bytes: (name, bytes, their quota's limit or None)."""
    rows = NamespaceSize.objects.order_by("-total_bytes", "namespace_id").values_list(
        "namespace__name", "total_bytes", "namespace__quota__limit_bytes"
    )[:limit]
    return [(name, total, quota) for name, total, quota in rows]
