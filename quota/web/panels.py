"""What quota adds to the web pages, through orgs' and the registry's page hooks: the usage bar
of a namespace (organization page, account page) and of a repository, the organization's
repositories by size, and the limits. Only while FEATURE_QUOTA_MANAGEMENT is on, and only for
the namespace's members and superusers, as the quota API."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from orgs import hooks as orgs_hooks
from orgs.hooks import PagePanel
from orgs.models import Namespace, User
from orgs.selectors.identity import is_superuser, namespace_role
from quota.selectors import NamespaceUsage, namespace_usage, repository_usage, repository_usages
from registry import hooks as registry_hooks
from registry.models import Repository

# The organization page's table; the API lists every repository.
REPOSITORIES_SHOWN = 50


@dataclass(frozen=True)
class UsageBar:
    percent: float | None  # of the namespace's limit; None without one
    fill: float  # the bar's width, 0-100
    over_warning: bool  # the namespace is past a Warning rule
    over_reject: bool


@dataclass(frozen=True)
class Rule:
    kind: str
    threshold_percent: int
    bytes: int


def _bar(usage: NamespaceUsage, used: int) -> UsageBar:
    percent = used * 100 / usage.limit_bytes if usage.limit_bytes else None
    namespace_percent = usage.percent or 0

    def past(kind: str) -> bool:
        return any(r.kind == kind and namespace_percent >= r.threshold_percent for r in usage.limits)

    return UsageBar(
        percent=percent,
        fill=min(percent or 0, 100),
        over_warning=past("Warning"),
        over_reject=past("Reject"),
    )


def _rules(usage: NamespaceUsage) -> list[Rule]:
    if not usage.limit_bytes:
        return []
    limit = usage.limit_bytes
    return [Rule(r.kind, r.threshold_percent, limit * r.threshold_percent // 100) for r in usage.limits]


def _may_read_usage(viewer: User | AnonymousUser, namespace: Namespace) -> bool:
    if not settings.FEATURE_QUOTA_MANAGEMENT or not viewer.is_authenticated:
        return False
    return namespace_role(user=viewer, namespace=namespace) is not None or is_superuser(viewer)


def namespace_usage_panel(namespace: Namespace, viewer: User, page: str) -> PagePanel | None:
    if not _may_read_usage(viewer, namespace):
        return None
    usage = namespace_usage(namespace_id=namespace.pk)
    repositories = []
    if page == "organization":
        repositories = repository_usages(namespace_id=namespace.pk, limit=REPOSITORIES_SHOWN)
    data = {"usage": usage, "bar": _bar(usage, usage.stored_bytes), "rules": _rules(usage)}
    return PagePanel("ui/quota/_namespace.html", {**data, "repositories": repositories})


def repository_usage_panel(repository: Repository, viewer: User | AnonymousUser) -> PagePanel | None:
    if not _may_read_usage(viewer, repository.namespace):
        return None
    usage = namespace_usage(namespace_id=repository.namespace_id)
    own = repository_usage(repository_id=repository.pk)
    data = {"usage": usage, "repository": own, "bar": _bar(usage, own.total_bytes)}
    return PagePanel("ui/quota/_repository.html", data)


def page_hooks_register() -> None:
    """Idempotent: ready() may run more than once in a process."""
    if namespace_usage_panel not in orgs_hooks.namespace_page_panels:
        orgs_hooks.namespace_page_panels.append(namespace_usage_panel)
    if repository_usage_panel not in registry_hooks.repository_page_panels:
        registry_hooks.repository_page_panels.append(repository_usage_panel)
