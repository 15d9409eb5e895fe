"""What quota adds to the web pages, through the page panels of orgs.web.panels and
registry.web.panels: the usage bar of a namespace (organization page, account page) and of a
repository, the organization's repositories by size, and the limits. Only while
FEATURE_QUOTA_MANAGEMENT is on, and only for the namespace's members and superusers, as the
quota API's reads."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string

from orgs.models import Namespace, User
from orgs.request_context import request_user
from orgs.selectors.identity import is_superuser, namespace_role
from orgs.web.panels import account_page_panels, organization_page_panels
from quota.selectors import NamespaceUsage, namespace_usage, repository_usage, repository_usages
from registry.web.panels import repository_page_panels

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
        percent=percent, fill=min(percent or 0, 100), over_warning=past("Warning"), over_reject=past("Reject")
    )


def _rules(usage: NamespaceUsage) -> list[Rule]:
    if not usage.limit_bytes:
        return []
    limit = usage.limit_bytes
    return [Rule(r.kind, r.threshold_percent, limit * r.threshold_percent // 100) for r in usage.limits]


def _reader(request: HttpRequest, namespace: Namespace) -> User | None:
    """The caller when quota is on and they may read the namespace's usage."""
    user = request_user(request)
    if not settings.FEATURE_QUOTA_MANAGEMENT or user is None:
        return None
    if namespace_role(user=user, namespace=namespace) is None and not is_superuser(user):
        return None
    return user


def _namespace_card(request: HttpRequest, namespace: Namespace, *, with_repositories: bool) -> str:
    if _reader(request, namespace) is None:
        return ""
    usage = namespace_usage(namespace_id=namespace.pk)
    repositories = []
    if with_repositories:
        repositories = repository_usages(namespace_id=namespace.pk, limit=REPOSITORIES_SHOWN)
    data = {"usage": usage, "bar": _bar(usage, usage.stored_bytes), "rules": _rules(usage)}
    return render_to_string(
        "ui/quota/_namespace.html", {"data": {**data, "repositories": repositories}}, request=request
    )


def organization_usage_panel(request: HttpRequest, context: dict) -> str:
    return _namespace_card(request, context["org"].namespace, with_repositories=True)


def account_usage_panel(request: HttpRequest, context: dict) -> str:
    user = request_user(request)
    # The feature first: switched off, the page reads nothing more.
    if not settings.FEATURE_QUOTA_MANAGEMENT or user is None or user.namespace_id is None:
        return ""
    return _namespace_card(request, user.namespace, with_repositories=False)


def repository_usage_panel(request: HttpRequest, context: dict) -> str:
    repository = context["repository"]
    if _reader(request, repository.namespace) is None:
        return ""
    usage = namespace_usage(namespace_id=repository.namespace_id)
    own = repository_usage(repository_id=repository.pk)
    data = {"usage": usage, "repository": own, "bar": _bar(usage, own.total_bytes)}
    return render_to_string("ui/quota/_repository.html", {"data": data}, request=request)


def page_panels_register() -> None:
    """Idempotent: ready() may run more than once in a process."""
    for panels, panel in (
        (organization_page_panels, organization_usage_panel),
        (account_page_panels, account_usage_panel),
        (repository_page_panels, repository_usage_panel),
    ):
        if panel not in panels:
            panels.append(panel)
