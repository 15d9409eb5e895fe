"""``quotas`` and ``quota_report`` on the organization, user and repository responses, plugged
into orgs and the registry core through their response hooks while FEATURE_QUOTA_MANAGEMENT is on."""

from __future__ import annotations

from django.conf import settings

from orgs import hooks as orgs_hooks
from orgs.models import Namespace
from quota.api.bodies import quota_list_body, quota_report_body
from quota.selectors import namespace_usage, repository_stored_bytes
from registry import hooks as registry_hooks
from registry.models import Repository


def namespace_quota_extra(namespace: Namespace) -> dict:
    if not settings.FEATURE_QUOTA_MANAGEMENT:
        return {}
    usage = namespace_usage(namespace_id=namespace.pk)
    quotas = [] if usage.quota_id is None else quota_list_body(usage)
    return {"quotas": quotas, "quota_report": quota_report_body(usage)}


def repository_quota_extra(repository: Repository) -> dict:
    """Quay's repository report: the repository's own bytes against its namespace's limit."""
    if not settings.FEATURE_QUOTA_MANAGEMENT:
        return {}
    usage = namespace_usage(namespace_id=repository.namespace_id)
    stored = repository_stored_bytes(repository_id=repository.pk)
    return {"quota_report": {"quota_bytes": stored, "configured_quota": usage.limit_bytes}}


def report_hooks_register() -> None:
    """Idempotent: ready() may run more than once in a process."""
    if namespace_quota_extra not in orgs_hooks.namespace_response_extras:
        orgs_hooks.namespace_response_extras.append(namespace_quota_extra)
    if repository_quota_extra not in registry_hooks.repository_response_extras:
        registry_hooks.repository_response_extras.append(repository_quota_extra)
