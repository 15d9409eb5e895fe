"""A repository's settings, for its administrators: visibility, state, permissions, deletion."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from orgs.errors import NotFound, NotPermitted
from orgs.request_context import request_actor
from orgs.selectors.identity import user_get
from orgs.web.http import FORM_ERRORS, page
from registry.selectors.roles import permission_list, repository_team_get
from registry.services.permissions import permission_delete, permission_set
from registry.services.repositories import repository_delete, repository_set_visibility
from registry.services.repository_states import repository_set_state
from registry.web.forms import DeleteForm, GrantForm, StateForm, VisibilityForm
from registry.web.panels import repository_settings_panels
from registry.web.repositories import repository_context


def _admin_context(request: HttpRequest, repository: str) -> dict:
    context = repository_context(request, repository, "settings")
    if not context["is_admin"]:
        raise NotPermitted(f"{request.user} is not an administrator of {repository}")
    return context


def _settings_page(request: HttpRequest, context: dict, **forms: object) -> HttpResponse:
    found = context["repository"]
    defaults = {
        "permissions": permission_list(repository=found),
        "visibility_form": VisibilityForm(initial={"visibility": "public" if found.is_public else "private"}),
        "state_form": StateForm(initial={"state": found.state}),
        "grant_form": GrantForm(),
        "delete_form": DeleteForm(full_name=context["full_name"]),
    }
    context.update({**defaults, **forms})
    context["panels"] = [panel(request, context) for panel in repository_settings_panels]
    return render(request, "ui/registry/settings.html", context)


@page
def repository_settings(request: HttpRequest, repository: str) -> HttpResponse:
    return _settings_page(request, _admin_context(request, repository))


def _grantee(context: dict, kind: str, name: str) -> dict:
    return (
        {"team": repository_team_get(repository=context["repository"], name=name)}
        if kind == "team"
        else {"user": user_get(name=name)}
    )


@page
@require_POST
def permission_grant(request: HttpRequest, repository: str) -> HttpResponse:
    context = _admin_context(request, repository)
    form = GrantForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            permission_set(
                repository=context["repository"],
                role=data["role"],
                actor=request_actor(request),
                **_grantee(context, data["kind"], data["name"]),
            )
        except (*FORM_ERRORS, NotFound) as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, f"{data['name']} now has {data['role']} on {context['full_name']}.")
            return redirect("ui-repository-settings", repository=context["full_name"])
    return _settings_page(request, context, grant_form=form)


@page
@require_POST
def permission_revoke(request: HttpRequest, repository: str, kind: str, name: str) -> HttpResponse:
    context = _admin_context(request, repository)
    permission_delete(
        repository=context["repository"], actor=request_actor(request), **_grantee(context, kind, name)
    )
    messages.success(request, f"{name} no longer has a direct grant.")
    return redirect("ui-repository-settings", repository=context["full_name"])


@page
@require_POST
def visibility_change(request: HttpRequest, repository: str) -> HttpResponse:
    context = _admin_context(request, repository)
    form = VisibilityForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, context, visibility_form=form)
    repository_set_visibility(
        repository=context["repository"],
        visibility=form.cleaned_data["visibility"],
        actor=request_actor(request),
    )
    messages.success(request, f"{context['full_name']} is now {form.cleaned_data['visibility']}.")
    return redirect("ui-repository-settings", repository=context["full_name"])


@page
@require_POST
def state_change(request: HttpRequest, repository: str) -> HttpResponse:
    context = _admin_context(request, repository)
    form = StateForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, context, state_form=form)
    repository_set_state(
        repository=context["repository"], state=form.cleaned_data["state"], actor=request_actor(request)
    )
    messages.success(request, f"{context['full_name']} is now {form.cleaned_data['state']}.")
    return redirect("ui-repository-settings", repository=context["full_name"])


@page
@require_POST
def repository_remove(request: HttpRequest, repository: str) -> HttpResponse:
    context = _admin_context(request, repository)
    form = DeleteForm(request.POST, full_name=context["full_name"])
    if not form.is_valid():
        return _settings_page(request, context, delete_form=form)
    repository_delete(repository=context["repository"], actor=request_actor(request))
    messages.success(request, f"Repository {context['full_name']} deleted.")
    return redirect("ui-repositories")
