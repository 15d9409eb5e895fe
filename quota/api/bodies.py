"""The response bodies Quay builds from a namespace's quota: its quota view, and the
``quotas`` and ``quota_report`` keys of organization, user and repository responses."""

from __future__ import annotations

from django.conf import settings

from quota.api.serializers import QuotaOutput
from quota.selectors import NamespaceUsage


def quota_body(usage: NamespaceUsage) -> dict:
    """The namespace's quota, or the registry's default (id null) when it has none of its own."""
    body = {
        "id": usage.quota_id,
        "limit_bytes": usage.limit_bytes,
        "default_config": usage.limit_is_default,
        "limits": usage.limits,
        "default_config_exists": bool(settings.DEFAULT_SYSTEM_REJECT_QUOTA_BYTES),
    }
    return QuotaOutput(body).data


def quota_list_body(usage: NamespaceUsage) -> list[dict]:
    """Quay lists the default quota where a namespace has none, and nothing without either."""
    return [] if usage.limit_bytes is None else [quota_body(usage)]


def quota_report_body(usage: NamespaceUsage) -> dict:
    # Until the backfill has sized the namespace (after an upgrade, or a namespace's first push
    # until the next backfill pass) its bytes may read low: Quay's "waiting" says so.
    status = "complete" if usage.sized else "waiting"
    return {
        "quota_bytes": usage.stored_bytes,
        "configured_quota": usage.limit_bytes,
        "running_backfill": status,
        "backfill_status": status,
    }
