"""Quota and limit writes: each refusal changes no row, each change writes Quay's audit entry."""

from __future__ import annotations

import pytest

from orgs.models import AuditLog, Namespace
from quota.models import NamespaceQuota, QuotaLimit
from quota.services import (
    LIMIT_BYTES_MAX,
    QuotaInvalid,
    QuotaNotFound,
    bytes_display,
    quota_create,
    quota_delete,
    quota_get,
    quota_limit_create,
    quota_limit_delete,
    quota_limit_update,
    quota_update,
)

pytestmark = pytest.mark.django_db
GIB = 1024**3


@pytest.fixture
def namespace(acme) -> Namespace:
    return Namespace.objects.get(name="acme")


def rows() -> tuple[list, list]:
    quotas = list(NamespaceQuota.objects.order_by("pk").values_list("pk", "namespace_id", "limit_bytes"))
    limits = list(
        QuotaLimit.objects.order_by("pk").values_list("pk", "quota_id", "kind", "threshold_percent")
    )
    return quotas, limits


def test_create_writes_the_quota_and_quays_audit_entry(namespace, alice):
    quota = quota_create(namespace=namespace, limit_bytes=GIB, actor=alice)

    assert rows() == ([(quota.pk, namespace.pk, GIB)], [])
    entry = AuditLog.objects.get(kind="org_create_quota")
    assert (entry.namespace_id, entry.performer_id) == (namespace.pk, alice.pk)
    assert entry.metadata == {"namespace": "acme", "limit_bytes": GIB, "limit": "1.0 GiB"}


@pytest.mark.parametrize("limit_bytes", [0, -1, LIMIT_BYTES_MAX + 1, 1.5, "100", True, None])
def test_a_bad_limit_bytes_is_refused_and_nothing_is_written(namespace, alice, limit_bytes):
    with pytest.raises(QuotaInvalid, match="limit_bytes"):
        quota_create(namespace=namespace, limit_bytes=limit_bytes, actor=alice)
    assert rows() == ([], [])
    assert not AuditLog.objects.filter(kind="org_create_quota").exists()


def test_the_largest_limit_is_taken(namespace, alice):
    assert (
        quota_create(namespace=namespace, limit_bytes=LIMIT_BYTES_MAX, actor=alice).limit_bytes
        == LIMIT_BYTES_MAX
    )


def test_a_second_quota_on_one_namespace_is_refused(namespace, alice):
    quota_create(namespace=namespace, limit_bytes=GIB, actor=alice)
    before = rows()
    with pytest.raises(QuotaInvalid, match="Quota for 'acme' already exists"):
        quota_create(namespace=namespace, limit_bytes=2 * GIB, actor=alice)
    assert rows() == before


def test_update_records_the_previous_limit(namespace, alice):
    quota = quota_create(namespace=namespace, limit_bytes=GIB, actor=alice)
    quota_update(quota=quota, limit_bytes=5 * GIB, actor=alice)

    assert NamespaceQuota.objects.get().limit_bytes == 5 * GIB
    metadata = AuditLog.objects.get(kind="org_change_quota").metadata
    assert (metadata["limit_bytes"], metadata["previous_limit_bytes"]) == (5 * GIB, GIB)


def test_a_bad_update_keeps_the_limit(namespace, alice):
    quota = quota_create(namespace=namespace, limit_bytes=GIB, actor=alice)
    with pytest.raises(QuotaInvalid):
        quota_update(quota=quota, limit_bytes=-5, actor=alice)
    assert NamespaceQuota.objects.get().limit_bytes == GIB


def test_delete_takes_the_limits_with_it(namespace, alice):
    quota = quota_create(namespace=namespace, limit_bytes=GIB, actor=alice)
    quota_limit_create(quota=quota, kind="Warning", threshold_percent=80, actor=alice)
    quota_delete(quota=quota, actor=alice)

    assert rows() == ([], [])
    assert AuditLog.objects.get(kind="org_delete_quota").metadata["quota_id"] == quota.pk


@pytest.mark.parametrize(
    ("kind", "threshold", "message"),
    [
        ("Block", 80, "type"),
        ("warning", 80, "type"),
        ("Warning", 0, "threshold_percent"),
        ("Warning", 101, "threshold_percent"),
        ("Warning", "80", "threshold_percent"),
        ("Warning", 8.5, "threshold_percent"),
    ],
)
def test_a_bad_limit_rule_is_refused_and_nothing_is_written(namespace, alice, kind, threshold, message):
    quota = quota_create(namespace=namespace, limit_bytes=GIB, actor=alice)
    before = rows()
    with pytest.raises(QuotaInvalid, match=message):
        quota_limit_create(quota=quota, kind=kind, threshold_percent=threshold, actor=alice)
    assert rows() == before


def test_a_duplicate_rule_and_a_second_reject_are_refused(namespace, alice):
    quota = quota_create(namespace=namespace, limit_bytes=GIB, actor=alice)
    quota_limit_create(quota=quota, kind="Warning", threshold_percent=80, actor=alice)
    quota_limit_create(quota=quota, kind="Reject", threshold_percent=100, actor=alice)
    before = rows()

    with pytest.raises(QuotaInvalid, match="Quota limit already exists"):
        quota_limit_create(quota=quota, kind="Warning", threshold_percent=80, actor=alice)
    with pytest.raises(QuotaInvalid, match="Only one quota limit of type 'Reject'"):
        quota_limit_create(quota=quota, kind="Reject", threshold_percent=90, actor=alice)
    assert rows() == before


def test_a_limit_update_changes_only_what_it_names_and_checks_conflicts(namespace, alice):
    quota = quota_create(namespace=namespace, limit_bytes=GIB, actor=alice)
    warning = quota_limit_create(quota=quota, kind="Warning", threshold_percent=80, actor=alice)
    quota_limit_create(quota=quota, kind="Warning", threshold_percent=90, actor=alice)

    quota_limit_update(rule=warning, threshold_percent=70, actor=alice)
    assert QuotaLimit.objects.filter(pk=warning.pk).values_list("kind", "threshold_percent").get() == (
        "Warning",
        70,
    )
    metadata = AuditLog.objects.get(kind="org_change_quota_limit").metadata
    assert (metadata["threshold_percent"], metadata["previous_threshold_percent"]) == (70, 80)

    before = rows()
    with pytest.raises(QuotaInvalid, match="already exists"):
        quota_limit_update(rule=warning, threshold_percent=90, actor=alice)
    with pytest.raises(QuotaInvalid, match="threshold_percent"):
        quota_limit_update(rule=warning, threshold_percent=0, actor=alice)
    assert rows() == before


def test_limit_delete_records_the_rule(namespace, alice):
    quota = quota_create(namespace=namespace, limit_bytes=GIB, actor=alice)
    rule = quota_limit_create(quota=quota, kind="Reject", threshold_percent=100, actor=alice)
    rule_id = rule.pk
    quota_limit_delete(rule=rule, actor=alice)

    assert rows()[1] == []
    metadata = AuditLog.objects.get(kind="org_delete_quota_limit").metadata
    assert (metadata["limit_id"], metadata["type"], metadata["threshold_percent"]) == (rule_id, "Reject", 100)


def test_a_quota_of_another_namespace_or_a_bad_id_is_not_found(namespace, alice, bob):
    quota = quota_create(namespace=namespace, limit_bytes=GIB, actor=alice)
    with pytest.raises(QuotaNotFound):
        quota_get(namespace=Namespace.objects.get(name="bob"), quota_id=quota.pk)
    for bad in ("x", "-1", "99999999999999999999", "１"):
        with pytest.raises(QuotaNotFound):
            quota_get(namespace=namespace, quota_id=bad)
    assert quota_get(namespace=namespace, quota_id=str(quota.pk)) == quota


def test_bytes_display_uses_binary_units():
    assert [bytes_display(n) for n in (0, 1023, 1024, 1536 * 1024, 5 * GIB)] == [
        "0.0 B",
        "1023.0 B",
        "1.0 KiB",
        "1.5 MiB",
        "5.0 GiB",
    ]
