"""The repository's Builds tab: its builds with their phase, a start-build form with an upload
(writers), and each build's page with its log and a cancel button. Thin over builds.services and
builds.selectors; the header comes from the registry's repository pages."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from builds.errors import BuildError
from builds.selectors import build_get, build_list, build_logs_page, pull_robot_get, pull_robot_names
from builds.services import build_cancel, build_request_create
from builds.services.filedrop import filedrop_create, filedrop_store
from builds.web.forms import BuildStartForm
from orgs.errors import InvalidInput, NotPermitted, WritesSuspended
from orgs.request_context import request_actor
from orgs.web.http import page, public_page
from quaysite.hosts import service_host
from registry.web.repositories import repository_context

LIST_LIMIT = 50
REFUSALS = (BuildError, InvalidInput, NotPermitted, WritesSuspended)


def _form(request: HttpRequest, context: dict) -> BuildStartForm:
    robots = pull_robot_names(actor=request_actor(request), repository=context["repository"])
    return BuildStartForm(request.POST or None, request.FILES or None, robots=robots)


@public_page
def build_list_page(request: HttpRequest, repository: str) -> HttpResponse:
    context = repository_context(request, repository, "builds")
    context["builds"] = build_list(repository=context["repository"], limit=LIST_LIMIT)
    if context["can_push"]:
        context["form"] = _form(request, context)
    return render(request, "ui/builds/list.html", context)


@page
@require_POST
def build_start(request: HttpRequest, repository: str) -> HttpResponse:
    context = repository_context(request, repository, "builds")
    form = _form(request, context)
    if form.is_valid():
        actor = request_actor(request)
        data = form.cleaned_data
        try:
            upload = data["context_file"]
            drop = filedrop_store(
                file_drop=filedrop_create(actor=actor, mime_type=upload.content_type or ""),
                chunks=upload.chunks(),
            )
            robot = pull_robot_get(actor=actor, username=data["pull_robot"]) if data["pull_robot"] else None
            build = build_request_create(
                repository=context["repository"],
                actor=actor,
                source={"kind": "archive", "resource_key": str(drop.file_id)},
                dockerfile_path=data["dockerfile_path"],
                context=data["context"],
                build_args=data["build_args"],
                tags=data["docker_tags"],
                pull_robot=robot,
                registry_host=service_host(request),
            )
        except REFUSALS as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Build {build.display_name} queued.")
            return redirect("ui-build", repository=context["full_name"], build_uuid=str(build.uuid))
    context.update(builds=build_list(repository=context["repository"], limit=LIST_LIMIT), form=form)
    return render(request, "ui/builds/list.html", context, status=400)


@public_page
def build_page(request: HttpRequest, repository: str, build_uuid: str) -> HttpResponse:
    context = repository_context(request, repository, "builds")
    build = build_get(repository=context["repository"], build_uuid=build_uuid)
    total, entries = build_logs_page(build=build, start=0)
    context.update(
        build=build,
        log_entries=entries,
        log_next=total,
        ended=build.ended,
        phase_times=sorted(build.phase_times.items(), key=lambda item: item[1]),
    )
    return render(request, "ui/builds/build.html", context)


@page
@require_POST
def build_cancel_page(request: HttpRequest, repository: str, build_uuid: str) -> HttpResponse:
    context = repository_context(request, repository, "builds")
    build = build_get(repository=context["repository"], build_uuid=build_uuid)
    try:
        build_cancel(build=build, actor=request_actor(request))
    except REFUSALS as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Cancel requested.")
    return redirect("ui-build", repository=context["full_name"], build_uuid=build_uuid)
