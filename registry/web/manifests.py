"""A manifest's page: layers, config, labels (writers add and delete their own) and referrers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from orgs.errors import InvalidInput, WritesSuspended
from orgs.request_context import request_actor, request_user
from orgs.web.http import page, public_page
from registry.selectors.manifests import manifest_get_served
from registry.selectors.pages import manifest_detail
from registry.services.labels import label_add, label_delete
from registry.web.forms import LabelForm
from registry.web.repositories import repository_context


def _manifest_page(request: HttpRequest, context: dict, digest: str, form: LabelForm) -> HttpResponse:
    context.update(detail=manifest_detail(repository=context["repository"], digest=digest), label_form=form)
    return render(request, "ui/registry/manifest.html", context)


@public_page
def manifest_page(request: HttpRequest, repository: str, digest: str) -> HttpResponse:
    context = repository_context(request, repository, "tags")
    if request.method != "POST":
        return _manifest_page(request, context, digest, LabelForm())
    if request_user(request) is None:
        return redirect_to_login(request.get_full_path())
    form = LabelForm(request.POST)
    if form.is_valid():
        manifest = manifest_get_served(repository=context["repository"], digest=digest)
        try:
            label_add(actor=request_actor(request), manifest=manifest, media_type=None, **form.cleaned_data)
        except (InvalidInput, WritesSuspended) as error:
            form.add_error("key", str(error))
        else:
            messages.success(request, f"Label {form.cleaned_data['key']} added.")
            return redirect("ui-manifest", repository=context["full_name"], digest=digest)
    return _manifest_page(request, context, digest, form)


@page
@require_POST
def label_remove(request: HttpRequest, repository: str, digest: str, label: str) -> HttpResponse:
    context = repository_context(request, repository, "tags")
    manifest = manifest_get_served(repository=context["repository"], digest=digest)
    try:
        removed = label_delete(actor=request_actor(request), manifest=manifest, label_id=label)
    except (InvalidInput, WritesSuspended) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Label {removed.key} deleted.")
    return redirect("ui-manifest", repository=context["full_name"], digest=digest)
