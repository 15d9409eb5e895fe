"""The auto-prune pages: an organization's tab and a panel on a repository's settings page, for
their admins, with a preview of what the policies would prune now. Thin over pruning.services."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from orgs.errors import InvalidInput, NotPermitted
from orgs.request_context import request_actor
from orgs.web.http import page
from orgs.web.organizations import organization_admin_context
from pruning.policies import policy_view
from pruning.selectors import namespace_policy_list, repository_policy_list
from pruning.services import (
    namespace_policy_create,
    namespace_policy_delete,
    namespace_prune,
    repository_policy_create,
    repository_policy_delete,
    repository_prune_preview,
)
from pruning.web.forms import PolicyForm
from registry.models import Repository
from registry.web.repositories import repository_context

TAB = "autoprune"


def _views(rows: list) -> list[dict]:
    return [policy_view(uuid=row.uuid, config=row.policy) for row in rows]


@page
def organization_autoprune(request: HttpRequest, org: str) -> HttpResponse:
    context = organization_admin_context(request, org, TAB)
    namespace = context["org"].namespace
    form = PolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            namespace_policy_create(
                actor=request_actor(request), namespace=namespace, **form.service_arguments()
            )
        except InvalidInput as error:
            form.add_error("value", str(error))
        else:
            messages.success(request, "Auto-prune policy added: the worker applies it within its next run.")
            return redirect("ui-org-autoprune", org=org)
    preview = namespace_prune(namespace=namespace, dry_run=True).tags if "preview" in request.GET else None
    context.update(
        policies=_views(list(namespace_policy_list(namespace=namespace))), form=form, preview=preview
    )
    return render(request, "ui/pruning/organization.html", context)


@page
@require_POST
def organization_autoprune_delete(request: HttpRequest, org: str, policy_uuid: str) -> HttpResponse:
    context = organization_admin_context(request, org, TAB)
    namespace_policy_delete(
        actor=request_actor(request), namespace=context["org"].namespace, uuid=policy_uuid
    )
    messages.success(request, "Auto-prune policy removed.")
    return redirect("ui-org-autoprune", org=org)


def repository_settings_panel(request: HttpRequest, context: dict) -> str:
    """The panel registry.web shows on the settings page (its admins only reach that page)."""
    repository: Repository = context["repository"]
    preview = repository_prune_preview(repository=repository) if "preview" in request.GET else None
    panel = {
        "full_name": context["full_name"],
        "policies": _views(list(repository_policy_list(repository=repository))),
        "form": PolicyForm(),
        "preview": preview,
        "normal": repository.state == Repository.State.NORMAL,
    }
    return render_to_string("ui/pruning/_repository_panel.html", panel, request=request)


def _repository_admin(request: HttpRequest, repository: str) -> Repository:
    context = repository_context(request, repository, "settings")
    if not context["is_admin"]:
        raise NotPermitted(f"{request.user} is not an administrator of {repository}")
    return context["repository"]


@page
@require_POST
def repository_autoprune_create(request: HttpRequest, repository: str) -> HttpResponse:
    found = _repository_admin(request, repository)
    form = PolicyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Auto-prune policy not added: choose a method and give a value.")
        return redirect("ui-repository-settings", repository=str(found))
    try:
        repository_policy_create(actor=request_actor(request), repository=found, **form.service_arguments())
    except InvalidInput as error:
        messages.error(request, f"Auto-prune policy not added: {error}")
    else:
        messages.success(request, "Auto-prune policy added: the worker applies it within its next run.")
    return redirect("ui-repository-settings", repository=str(found))


@page
@require_POST
def repository_autoprune_delete(request: HttpRequest, repository: str, policy_uuid: str) -> HttpResponse:
    found = _repository_admin(request, repository)
    repository_policy_delete(actor=request_actor(request), repository=found, uuid=policy_uuid)
    messages.success(request, "Auto-prune policy removed.")
    return redirect("ui-repository-settings", repository=str(found))
