"""An organization's OAuth applications: create, see the client id, reveal the secret once,
reset it, delete. The toolkit keeps only the secret's hash."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from orgs.errors import NotFound
from orgs.models import Organization, OrganizationApplication
from orgs.services.applications import application_create, application_delete, application_secret_reset
from orgs.web.forms import ApplicationForm
from orgs.web.http import FORM_ERRORS, page, secret_reveal_later, secret_reveal_take
from orgs.web.organizations import organization_admin_context


def _applications(organization: Organization) -> list[OrganizationApplication]:
    return list(
        OrganizationApplication.objects.filter(organization=organization)
        .select_related("application")
        .order_by("application__name", "pk")
    )


def _application_get(organization: Organization, client_id: str) -> OrganizationApplication:
    owned = next((app for app in _applications(organization) if app.application.client_id == client_id), None)
    if owned is None:
        raise NotFound(f"no application {client_id!r} in {organization}")
    return owned


@page
def application_index(request: HttpRequest, org: str) -> HttpResponse:
    context = organization_admin_context(request, org, "applications")
    form = ApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            owned, secret = application_create(
                organization=context["org"], actor=request.user, **form.cleaned_data
            )
        except FORM_ERRORS as error:
            form.add_error("redirect_uri", str(error))
        else:
            client_id = owned.application.client_id
            secret_reveal_later(request, subject=f"application:{client_id}", secret=secret)
            return redirect("ui-application", org=org, client_id=client_id)
    context.update(applications=_applications(context["org"]), form=form)
    return render(request, "ui/orgs/applications.html", context)


@page
def application_detail(request: HttpRequest, org: str, client_id: str) -> HttpResponse:
    context = organization_admin_context(request, org, "applications")
    owned = _application_get(context["org"], client_id)
    authorize = request.build_absolute_uri(reverse("oauth2_provider:authorize"))
    context.update(
        owned=owned,
        secret=secret_reveal_take(request, subject=f"application:{client_id}"),
        authorize_url=f"{authorize}?response_type=code&client_id={client_id}&scope=repo:read",
    )
    return render(request, "ui/orgs/application.html", context)


@page
@require_POST
def application_reset(request: HttpRequest, org: str, client_id: str) -> HttpResponse:
    context = organization_admin_context(request, org, "applications")
    secret = application_secret_reset(owned=_application_get(context["org"], client_id), actor=request.user)
    secret_reveal_later(request, subject=f"application:{client_id}", secret=secret)
    messages.success(request, "New client secret made: the old one no longer works.")
    return redirect("ui-application", org=org, client_id=client_id)


@page
@require_POST
def application_remove(request: HttpRequest, org: str, client_id: str) -> HttpResponse:
    context = organization_admin_context(request, org, "applications")
    owned = _application_get(context["org"], client_id)
    application_delete(owned=owned, actor=request.user)
    messages.success(request, f"Application {owned.application.name} deleted; its tokens stop working.")
    return redirect("ui-org-applications", org=org)
