"""The triggers section of the repository's Builds tab (admins): create, activate (the webhook
URL, secret and deploy key are shown once, on the page right after), enable, disable, start and
delete. Thin over builds.triggers.services."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from builds.errors import BuildError
from builds.selectors import pull_robot_get, pull_robot_names
from builds.triggers import services
from builds.triggers.forms import TriggerActivateForm, TriggerCreateForm, TriggerToggleForm
from builds.triggers.selectors import trigger_get, trigger_list
from builds.triggers.signatures import TOKEN_USERNAME
from orgs.errors import InvalidInput, NotPermitted, WritesSuspended
from orgs.request_context import request_actor
from orgs.web.http import page, secret_reveal_later, secret_reveal_take
from quaysite.hosts import service_host
from registry.web.repositories import repository_context

REVEAL = "build-trigger-activation"
REFUSALS = (BuildError, InvalidInput, NotPermitted, WritesSuspended)


def _robots(request: HttpRequest, context: dict) -> list[str]:
    return pull_robot_names(actor=request_actor(request), repository=context["repository"])


def triggers_context(request: HttpRequest, context: dict) -> dict:
    """What the Builds tab shows of triggers: nothing unless the viewer administers the repository."""
    if context.get("role") != "admin":
        return {}
    shown = secret_reveal_take(request, subject=REVEAL)
    robots = _robots(request, context)
    triggers = list(trigger_list(repository=context["repository"]))
    return {
        "triggers": triggers,
        "trigger_create_form": TriggerCreateForm(),
        # (trigger, its activation form while it has no config yet)
        "trigger_rows": [
            (t, None if t.config else TriggerActivateForm(robots=robots, prefix=str(t.uuid)))
            for t in triggers
        ],
        "trigger_revealed": json.loads(shown) if shown else None,
    }


def _back(context: dict) -> HttpResponse:
    return redirect(reverse("ui-builds", args=[context["full_name"]]) + "#triggers")


@page
@require_POST
def trigger_create_page(request: HttpRequest, repository: str) -> HttpResponse:
    context = repository_context(request, repository, "builds")
    form = TriggerCreateForm(request.POST)
    if form.is_valid():
        try:
            services.trigger_create(
                repository=context["repository"],
                actor=request_actor(request),
                service=form.cleaned_data["service"],
            )
        except REFUSALS as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Trigger created: activate it with its git repository.")
    return _back(context)


@page
@require_POST
def trigger_activate_page(request: HttpRequest, repository: str, trigger_uuid: str) -> HttpResponse:
    context = repository_context(request, repository, "builds")
    trigger = trigger_get(repository=context["repository"], trigger_uuid=trigger_uuid)
    form = TriggerActivateForm(request.POST, robots=_robots(request, context), prefix=trigger_uuid)
    if not form.is_valid():
        messages.error(
            request, "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items())
        )
        return _back(context)
    actor = request_actor(request)
    robot = form.cleaned_data["pull_robot"]
    try:
        activation = services.trigger_activate(
            trigger=trigger,
            actor=actor,
            config=form.config(),
            pull_robot=pull_robot_get(actor=actor, username=robot) if robot else None,
        )
    except REFUSALS as error:
        messages.error(request, str(error))
        return _back(context)
    hook = reverse("webhook-push-trigger", args=[trigger_uuid])
    scheme = settings.PREFERRED_URL_SCHEME
    host = service_host(request)
    revealed = {
        "trigger": trigger_uuid,
        "service": trigger.service,
        "webhook_url": f"{scheme}://{host}{hook}",
        "webhook_url_with_secret": f"{scheme}://{TOKEN_USERNAME}:{activation.secret}@{host}{hook}",
        "secret": activation.secret,
        "public_key": activation.public_key,
    }
    secret_reveal_later(request, subject=REVEAL, secret=json.dumps(revealed))
    return _back(context)


@page
@require_POST
def trigger_toggle_page(request: HttpRequest, repository: str, trigger_uuid: str) -> HttpResponse:
    context = repository_context(request, repository, "builds")
    trigger = trigger_get(repository=context["repository"], trigger_uuid=trigger_uuid)
    form = TriggerToggleForm(request.POST)
    form.is_valid()
    try:
        services.trigger_enabled_set(
            trigger=trigger,
            actor=request_actor(request),
            enabled=not trigger.enabled,
            reason=form.cleaned_data.get("disabled_reason", ""),
        )
    except REFUSALS as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Trigger enabled." if not trigger.enabled else "Trigger disabled.")
    return _back(context)


@page
@require_POST
def trigger_start_page(request: HttpRequest, repository: str, trigger_uuid: str) -> HttpResponse:
    context = repository_context(request, repository, "builds")
    trigger = trigger_get(repository=context["repository"], trigger_uuid=trigger_uuid)
    ref = request.POST.get("ref", "").strip()
    try:
        build = services.trigger_start(
            trigger=trigger,
            actor=request_actor(request),
            commit_sha=ref if services.COMMIT_RE.fullmatch(ref) and len(ref) == 40 else "",
            branch_name="" if services.COMMIT_RE.fullmatch(ref) and len(ref) == 40 else ref,
            registry_host=service_host(request),
        )
    except REFUSALS as error:
        messages.error(request, str(error))
        return _back(context)
    messages.success(request, f"Build {build.display_name} queued.")
    return redirect("ui-build", repository=context["full_name"], build_uuid=str(build.uuid))


@page
@require_POST
def trigger_delete_page(request: HttpRequest, repository: str, trigger_uuid: str) -> HttpResponse:
    context = repository_context(request, repository, "builds")
    trigger = trigger_get(repository=context["repository"], trigger_uuid=trigger_uuid)
    try:
        services.trigger_delete(trigger=trigger, actor=request_actor(request))
    except REFUSALS as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Trigger deleted.")
    return _back(context)
