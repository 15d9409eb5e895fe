"""An organization's default permissions: the grants every new repository gets."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from orgs.errors import NotFound
from orgs.models import User
from orgs.request_context import request_actor
from orgs.selectors.identity import prototype_get, prototype_list, team_find, user_get
from orgs.services import prototype_create, prototype_delete
from orgs.web.forms import PrototypeForm
from orgs.web.http import FORM_ERRORS, page
from orgs.web.organizations import organization_admin_context


def _prototype_from(form: PrototypeForm, context: dict, actor: User) -> None:
    organization = context["org"]
    delegate = form.cleaned_data["delegate"]
    team = team_find(organization=organization, name=delegate)
    activating = form.cleaned_data["activating_user"]
    prototype_create(
        organization=organization,
        role=form.cleaned_data["role"],
        delegate_team=team,
        delegate_user=None if team is not None else user_get(name=delegate),
        activating_user=user_get(name=activating) if activating else None,
        actor=actor,
    )


@page
def default_permissions(request: HttpRequest, org: str) -> HttpResponse:
    context = organization_admin_context(request, org, "defaults")
    form = PrototypeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _prototype_from(form, context, request_actor(request))
        except (*FORM_ERRORS, NotFound) as error:
            form.add_error("delegate", str(error))
        else:
            messages.success(request, "Default permission added: new repositories get it from now on.")
            return redirect("ui-org-defaults", org=org)
    context.update(prototypes=prototype_list(organization=context["org"]), form=form)
    return render(request, "ui/orgs/defaults.html", context)


@page
@require_POST
def default_permission_delete(request: HttpRequest, org: str, prototype: int) -> HttpResponse:
    context = organization_admin_context(request, org, "defaults")
    found = prototype_get(organization=context["org"], prototype_id=str(prototype))
    prototype_delete(prototype=found, actor=request_actor(request))
    messages.success(request, "Default permission removed; existing repositories keep their grants.")
    return redirect("ui-org-defaults", org=org)
