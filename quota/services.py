"""Writes of a namespace's quota and its limit rules, in Quay's terms: one quota per namespace
with ``limit_bytes``, and rules of type ``Warning`` or ``Reject`` at a ``threshold_percent``.

Every value is checked before anything is written, so a refusal changes nothing; each change is
recorded in the audit log with Quay's kinds (``org_create_quota`` ...) in the same transaction.
Who may call these is the API's decision (superusers, as Quay).
"""

from __future__ import annotations

import re

from django.db import transaction

from orgs.audit import audit_log_write
from orgs.models import Namespace, User
from quota.models import NamespaceQuota, QuotaLimit

# What a PositiveBigIntegerField holds on PostgreSQL (bigint); more would not even be stored.
LIMIT_BYTES_MAX = 2**63 - 1
LIMIT_KINDS = tuple(QuotaLimit.Kind.values)


class QuotaError(Exception):
    """Base of the errors the quota services raise."""


class QuotaInvalid(QuotaError, ValueError):
    """A value or a combination Quay refuses with a 400 request error."""


class QuotaNotFound(QuotaError):
    """No such quota in the namespace, or no such limit in the quota."""


def bytes_display(size: int) -> str:
    """Binary units, one decimal, as Quay writes a quota in its audit log: ``1.0 GiB``."""
    units = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
    value, unit = float(size), 0
    while value >= 1024 and unit < len(units) - 1:
        value, unit = value / 1024, unit + 1
    return f"{value:.1f} {units[unit]}"


# Quay's human-readable limits: "500 MB" counts in thousands, "500 MiB" (or "500 Mi") in 1024s.
_LIMIT_TEXT = re.compile(r"(\d+)\s?(?:B|([KMGTPEZY])(i?)B?)?")
_PREFIXES = "KMGTPEZY"


def limit_parse(text: object) -> int:
    """Bytes from a limit written as Quay's superuser API takes it: "10 GiB", "500MB", "42"."""
    found = _LIMIT_TEXT.fullmatch(text) if isinstance(text, str) else None
    if found is None:
        raise QuotaInvalid("Invalid limit format")
    digits, prefix, binary = found.groups()
    if not prefix:
        return int(digits)
    return int(digits) * (1024 if binary else 1000) ** (_PREFIXES.index(prefix) + 1)


def _limit_bytes_checked(limit_bytes: object) -> int:
    # bool is an int in Python; JSON's true is no byte count.
    if isinstance(limit_bytes, bool) or not isinstance(limit_bytes, int):
        raise QuotaInvalid(f"limit_bytes must be a whole number of bytes, not {limit_bytes!r}")
    if not 0 < limit_bytes <= LIMIT_BYTES_MAX:
        raise QuotaInvalid(f"limit_bytes must be between 1 and {LIMIT_BYTES_MAX}, not {limit_bytes}")
    return limit_bytes


def _kind_checked(kind: object) -> str:
    if kind not in LIMIT_KINDS:
        raise QuotaInvalid(f"quota limit type must be one of {', '.join(LIMIT_KINDS)}, not {kind!r}")
    return str(kind)


def _threshold_checked(threshold_percent: object) -> int:
    if isinstance(threshold_percent, bool) or not isinstance(threshold_percent, int):
        raise QuotaInvalid(f"threshold_percent must be a whole number, not {threshold_percent!r}")
    if not 1 <= threshold_percent <= 100:
        raise QuotaInvalid(f"threshold_percent must be between 1 and 100, not {threshold_percent}")
    return threshold_percent


def quota_get(*, namespace: Namespace, quota_id: int | str) -> NamespaceQuota:
    """The namespace's quota by id; another namespace's id is not found, as a missing one."""
    quota = NamespaceQuota.objects.filter(namespace=namespace, pk=_id_or_none(quota_id)).first()
    if quota is None:
        raise QuotaNotFound(f"no quota {quota_id} for namespace {namespace.name!r}")
    return quota


def quota_limit_get(*, quota: NamespaceQuota, limit_id: int | str) -> QuotaLimit:
    rule = QuotaLimit.objects.filter(quota=quota, pk=_id_or_none(limit_id)).first()
    if rule is None:
        raise QuotaNotFound(f"no quota limit {limit_id} in quota {quota.pk}")
    return rule


def _id_or_none(value: int | str) -> int | None:
    """Path ids arrive as text; one that is no number names nothing."""
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


def _audit(kind: str, namespace: Namespace, actor: User | None, **metadata: object) -> None:
    audit_log_write(
        kind=kind, performer=actor, namespace=namespace, metadata={"namespace": namespace.name, **metadata}
    )


@transaction.atomic
def quota_create(*, namespace: Namespace, limit_bytes: object, actor: User | None) -> NamespaceQuota:
    limit = _limit_bytes_checked(limit_bytes)
    # The namespace row lock makes "already exists" the answer for the second of two at once.
    Namespace.objects.select_for_update().filter(pk=namespace.pk).first()
    if NamespaceQuota.objects.filter(namespace=namespace).exists():
        raise QuotaInvalid(f"Quota for '{namespace.name}' already exists")
    quota = NamespaceQuota.objects.create(namespace=namespace, limit_bytes=limit)
    _audit("org_create_quota", namespace, actor, limit_bytes=limit, limit=bytes_display(limit))
    return quota


def _quota_lock(quota: NamespaceQuota) -> NamespaceQuota:
    locked = (
        NamespaceQuota.objects.select_for_update().filter(pk=quota.pk).select_related("namespace").first()
    )
    if locked is None:
        raise QuotaNotFound(f"no quota {quota.pk}")
    return locked


@transaction.atomic
def quota_update(*, quota: NamespaceQuota, limit_bytes: object, actor: User | None) -> NamespaceQuota:
    limit = _limit_bytes_checked(limit_bytes)
    quota = _quota_lock(quota)
    previous = quota.limit_bytes
    quota.limit_bytes = limit
    quota.save(update_fields=["limit_bytes"])
    _audit(
        "org_change_quota",
        quota.namespace,
        actor,
        limit_bytes=limit,
        limit=bytes_display(limit),
        previous_limit_bytes=previous,
        previous_limit=bytes_display(previous),
    )
    return quota


@transaction.atomic
def quota_delete(*, quota: NamespaceQuota, actor: User | None) -> None:
    """Its limit rules go with it; the namespace falls back to the registry's default."""
    quota = _quota_lock(quota)
    _audit(
        "org_delete_quota",
        quota.namespace,
        actor,
        quota_id=quota.pk,
        limit_bytes=quota.limit_bytes,
        limit=bytes_display(quota.limit_bytes),
    )
    quota.delete()


def _rule_conflict(quota: NamespaceQuota, kind: str, threshold: int, exclude_id: int | None = None) -> None:
    """Quay's rules: one rule per type and threshold, and at most one Reject."""
    others = QuotaLimit.objects.filter(quota=quota).exclude(pk=exclude_id)
    if others.filter(kind=kind, threshold_percent=threshold).exists():
        raise QuotaInvalid("Quota limit already exists")
    if kind == QuotaLimit.Kind.REJECT and others.filter(kind=kind).exists():
        raise QuotaInvalid("Only one quota limit of type 'Reject' allowed.")


@transaction.atomic
def quota_limit_create(
    *, quota: NamespaceQuota, kind: object, threshold_percent: object, actor: User | None
) -> QuotaLimit:
    kind, threshold = _kind_checked(kind), _threshold_checked(threshold_percent)
    quota = _quota_lock(quota)
    _rule_conflict(quota, kind, threshold)
    rule = QuotaLimit.objects.create(quota=quota, kind=kind, threshold_percent=threshold)
    _audit(
        "org_create_quota_limit",
        quota.namespace,
        actor,
        quota_id=quota.pk,
        type=kind,
        threshold_percent=threshold,
    )
    return rule


@transaction.atomic
def quota_limit_update(
    *,
    rule: QuotaLimit,
    kind: object = None,
    threshold_percent: object = None,
    actor: User | None,
) -> QuotaLimit:
    """Changes the type, the threshold or both; None keeps the present value."""
    checked_kind = None if kind is None else _kind_checked(kind)
    checked_threshold = None if threshold_percent is None else _threshold_checked(threshold_percent)
    quota = _quota_lock(rule.quota)
    rule = quota_limit_get(quota=quota, limit_id=rule.pk)
    new_kind = checked_kind or rule.kind
    new_threshold = checked_threshold or rule.threshold_percent
    _rule_conflict(quota, new_kind, new_threshold, exclude_id=rule.pk)
    previous_kind, previous_threshold = rule.kind, rule.threshold_percent
    rule.kind, rule.threshold_percent = new_kind, new_threshold
    rule.save(update_fields=["kind", "threshold_percent"])
    _audit(
        "org_change_quota_limit",
        quota.namespace,
        actor,
        quota_id=quota.pk,
        limit_id=rule.pk,
        type=new_kind,
        threshold_percent=new_threshold,
        previous_type=previous_kind,
        previous_threshold_percent=previous_threshold,
    )
    return rule


@transaction.atomic
def quota_limit_delete(*, rule: QuotaLimit, actor: User | None) -> None:
    quota = _quota_lock(rule.quota)
    _audit(
        "org_delete_quota_limit",
        quota.namespace,
        actor,
        quota_id=quota.pk,
        limit_id=rule.pk,
        type=rule.kind,
        threshold_percent=rule.threshold_percent,
    )
    rule.delete()
