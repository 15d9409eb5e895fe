"""Reads of the audit log: per repository, namespace (user or organization) and performer.

Each list is newest first and walks one of the (repository|namespace|performer, created)
indexes. ``start`` is inclusive and ``end`` exclusive, so consecutive windows never overlap.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate

from orgs.models import AuditLog, Namespace, User

if TYPE_CHECKING:
    from registry.models import Repository

LIST_DEFAULT = 100
LIST_MAX = 1000


def _newest_first(
    rows: QuerySet[AuditLog],
    *,
    start: datetime | None,
    end: datetime | None,
    kinds: Iterable[str] | None,
    limit: int,
) -> list[AuditLog]:
    if not 0 < limit <= LIST_MAX:
        raise ValueError(f"limit must be between 1 and {LIST_MAX}")
    if start is not None:
        rows = rows.filter(created__gte=start)
    if end is not None:
        rows = rows.filter(created__lt=end)
    if kinds is not None:
        rows = rows.filter(kind__in=list(kinds))
    return list(rows.order_by("-created", "-pk")[:limit])


def audit_logs_for_repository(
    repository: Repository,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    kinds: Iterable[str] | None = None,
    limit: int = LIST_DEFAULT,
) -> list[AuditLog]:
    rows = AuditLog.objects.filter(repository=repository)
    return _newest_first(rows, start=start, end=end, kinds=kinds, limit=limit)


def audit_logs_for_namespace(
    namespace: Namespace,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    kinds: Iterable[str] | None = None,
    limit: int = LIST_DEFAULT,
) -> list[AuditLog]:
    """Everything recorded in a user's or organization's namespace, its repositories included."""
    rows = AuditLog.objects.filter(namespace=namespace)
    return _newest_first(rows, start=start, end=end, kinds=kinds, limit=limit)


def audit_logs_for_user(
    user: User,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    kinds: Iterable[str] | None = None,
    limit: int = LIST_DEFAULT,
) -> list[AuditLog]:
    """What ``user`` did, wherever they did it."""
    rows = AuditLog.objects.filter(performer=user)
    return _newest_first(rows, start=start, end=end, kinds=kinds, limit=limit)


def audit_log_counts_per_day(
    *,
    namespace: Namespace | None = None,
    repository: Repository | None = None,
    performer_name: str | None = None,
    start: datetime,
    end: datetime,
) -> list[tuple[date, str, int]]:
    """(UTC day, kind, count) for the window, by day then kind; no filter means all."""
    rows = AuditLog.objects.filter(created__gte=start, created__lt=end)
    if namespace is not None:
        rows = rows.filter(namespace=namespace)
    if repository is not None:
        rows = rows.filter(repository=repository)
    if performer_name is not None:
        rows = rows.filter(performer_name=performer_name)
    counted = (
        rows.annotate(day=TruncDate("created", tzinfo=UTC))
        .values("day", "kind")
        .annotate(count=Count("pk"))
        .order_by("day", "kind")
    )
    return [(row["day"], row["kind"], row["count"]) for row in counted]


def audit_log_rows(
    *,
    start: datetime,
    end: datetime,
    repository: Repository | None = None,
    namespace: Namespace | None = None,
    performer_name: str | None = None,
) -> QuerySet[AuditLog]:
    """The window's rows, newest first, by repository, namespace and performer: a queryset to page."""
    rows = AuditLog.objects.filter(created__gte=start, created__lt=end)
    if repository is not None:
        rows = rows.filter(repository=repository)
    if namespace is not None:
        rows = rows.filter(namespace=namespace)
    if performer_name is not None:
        rows = rows.filter(performer_name=performer_name)
    return rows.order_by("-created", "-pk")
