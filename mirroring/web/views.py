"""The Mirroring panel on a repository's settings page (its admins only reach that page): the
status of the last sync, the configuration with write-only credentials, and the sync-now and
cancel buttons. Thin over mirroring.services."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from mirroring.errors import MirrorExists, MirrorNotFound, MirrorStateConflict
from mirroring.models import RepositoryMirror
from mirroring.services import mirror_create, mirror_sync_cancel, mirror_sync_now, mirror_update
from mirroring.web.forms import MirrorForm
from orgs.errors import InvalidInput, NotPermitted
from orgs.request_context import request_actor
from orgs.selectors.identity import robot_users_of
from orgs.web.http import page
from registry.models import Repository
from registry.web.repositories import repository_context


def _robots(repository: Repository) -> list[str]:
    return list(robot_users_of(namespace_id=repository.namespace_id).values_list("username", flat=True))


def _mirror_of(repository: Repository) -> RepositoryMirror | None:
    return RepositoryMirror.objects.select_related("robot").filter(repository=repository).first()


def repository_settings_panel(request: HttpRequest, context: dict) -> str:
    repository: Repository = context["repository"]
    mirror = _mirror_of(repository)
    initial = MirrorForm.initial_from(mirror) if mirror else None
    panel = {
        "full_name": context["full_name"],
        "mirror": mirror,
        "form": MirrorForm(initial=initial, robots=_robots(repository)),
        "has_password": bool(mirror and mirror.password),
        "cancellable": mirror is not None
        and mirror.sync_status in (RepositoryMirror.SyncStatus.SYNCING, RepositoryMirror.SyncStatus.SYNC_NOW),
    }
    return render_to_string("ui/mirroring/_repository_panel.html", panel, request=request)


def _repository_admin(request: HttpRequest, repository: str) -> Repository:
    context = repository_context(request, repository, "settings")
    if not context["is_admin"]:
        raise NotPermitted(f"{request.user} is not an administrator of {repository}")
    return context["repository"]


def _back(repository: Repository) -> HttpResponse:
    return redirect("ui-repository-settings", repository=str(repository))


@page
@require_POST
def repository_mirror_save(request: HttpRequest, repository: str) -> HttpResponse:
    found = _repository_admin(request, repository)
    form = MirrorForm(request.POST, robots=_robots(found))
    if not form.is_valid():
        problems = "; ".join(
            f"{form.fields[name].label or name}: {' '.join(str(error) for error in errors)}"
            for name, errors in form.errors.items()
        )
        messages.error(request, f"Mirror not saved: {problems}")
        return _back(found)
    arguments = form.service_arguments()
    mirror = _mirror_of(found)
    try:
        if mirror is None:
            robot_username = arguments.pop("robot_username")
            mirror_create(
                actor=request_actor(request), repository=found, robot_username=robot_username, **arguments
            )
        else:
            mirror_update(actor=request_actor(request), mirror=mirror, **arguments)
    except (InvalidInput, MirrorExists) as error:
        messages.error(request, f"Mirror not saved: {error}")
    else:
        messages.success(request, "Mirror saved: the repository is a mirror, only its robot pushes.")
    return _back(found)


@page
@require_POST
def repository_mirror_sync_now(request: HttpRequest, repository: str) -> HttpResponse:
    found = _repository_admin(request, repository)
    try:
        mirror = _mirror_of(found)
        if mirror is None:
            raise MirrorNotFound("this repository has no mirror configuration")
        mirror_sync_now(actor=request_actor(request), mirror=mirror)
    except (MirrorNotFound, MirrorStateConflict, InvalidInput) as error:
        messages.error(request, f"No sync started: {error}")
    else:
        messages.success(request, "Sync requested: it starts as soon as a worker is free.")
    return _back(found)


@page
@require_POST
def repository_mirror_sync_cancel(request: HttpRequest, repository: str) -> HttpResponse:
    found = _repository_admin(request, repository)
    try:
        mirror = _mirror_of(found)
        if mirror is None:
            raise MirrorNotFound("this repository has no mirror configuration")
        mirror_sync_cancel(actor=request_actor(request), mirror=mirror)
    except (MirrorNotFound, MirrorStateConflict) as error:
        messages.error(request, f"Nothing cancelled: {error}")
    else:
        messages.success(request, "Cancel requested: the sync stops at its next tag.")
    return _back(found)
