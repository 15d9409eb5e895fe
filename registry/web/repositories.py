"""Repository pages: the list with search and filters, creation, a repository with its tags
(expiration, deletion), and the tag history with restore."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from orgs.errors import InvalidInput, WritesSuspended
from orgs.request_context import request_actor, request_user
from orgs.selectors.identity import organization_roles_for
from orgs.web.http import FORM_ERRORS, page, public_page
from orgs.web.organizations import organization_context
from orgs.web.panels import organization_page_panels
from quaysite.client_commands import pull_commands
from quaysite.hosts import service_host
from quaysite.readonly import registry_read_only
from registry.models import Repository
from registry.selectors.pages import manifest_platforms, tag_expiry, tag_history_rows
from registry.selectors.repositories import repository_get_readable, repository_list_visible
from registry.selectors.tags import tag_history_page
from registry.services.repositories import repository_create, repository_set_description
from registry.services.tags import tag_delete, tag_expiration_set, tag_restore
from registry.web.description_markdown import description_html
from registry.web.forms import DescriptionForm, RepositoryCreateForm, RepositoryFilterForm, TagExpirationForm
from registry.web.panels import repository_page_panels, repository_tabs

REPOSITORIES_SHOWN = 200
TAGS_SHOWN = 100


def _namespaces(request: HttpRequest, *, creatable: bool) -> list[str]:
    """The caller's own namespace and their organizations' (where they may create, if asked)."""
    user = request_user(request)
    if user is None:
        return []
    own = [user.username] if user.namespace_id else []
    return own + [
        organization.namespace.name
        for organization, role in organization_roles_for(user=user)
        if not creatable or role in ("admin", "creator")
    ]


@public_page
def repository_list(request: HttpRequest) -> HttpResponse:
    form = RepositoryFilterForm(request.GET or None, namespaces=_namespaces(request, creatable=False))
    filters = form.cleaned_data if form.is_valid() else {}
    repositories = repository_list_visible(
        user=request_user(request),
        namespace=filters.get("namespace") or None,
        public=True,
        name_contains=filters.get("q") or None,
        is_public=filters["visibility"] == "public" if filters.get("visibility") else None,
    )
    context = {
        "nav": "repositories",
        "form": form,
        "repositories": repositories[:REPOSITORIES_SHOWN],
        "filtered": any(filters.values()),
    }
    return render(request, "ui/registry/list.html", context)


@page
def repository_new(request: HttpRequest) -> HttpResponse:
    namespaces = _namespaces(request, creatable=True)
    form = RepositoryCreateForm(
        request.POST or None, namespaces=namespaces, initial={"namespace": request.GET.get("namespace")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            repository = repository_create(
                namespace_name=form.cleaned_data["namespace"],
                name=form.cleaned_data["name"],
                visibility=form.cleaned_data["visibility"],
                description=form.cleaned_data["description"],
                actor=request_actor(request),
            )
        except FORM_ERRORS as error:
            form.add_error("name", str(error))
        else:
            messages.success(
                request, f"Repository {repository} created. Push an image to it to see tags here."
            )
            return redirect("ui-repository", repository=str(repository))
    return render(request, "ui/registry/new.html", {"nav": "repositories", "form": form})


def repository_context(request: HttpRequest, repository: str, tab: str) -> dict:
    """What every repository tab shows in its header; an unreadable repository is a 404."""
    access = repository_get_readable(user=request_user(request), full_name=repository)
    found: Repository = access.repository
    writable = found.state == Repository.State.NORMAL and not registry_read_only()
    return {
        "nav": "repositories",
        "repository": found,
        "full_name": str(found),
        "role": access.role,
        "can_write": access.role in ("write", "admin"),
        "can_push": writable and access.role in ("write", "admin"),
        "is_admin": access.role == "admin",
        "tab": tab,
        "pull_ref": f"{service_host(request)}/{found}",
        "feature_tabs": [
            {"key": tab.key, "label": tab.label, "url": reverse(tab.url_name, args=[str(found)])}
            for tab in repository_tabs
        ],
    }


def _tag_rows(tags: list) -> list[dict]:
    return [
        {
            "tag": tag,
            "expires": tag_expiry(tag),
            "platforms": manifest_platforms(tag.manifest),
            # One form per row: distinct ids, the same field name the view reads.
            "expiration_form": TagExpirationForm(
                initial={"expires": tag_expiry(tag)}, auto_id=f"id_tag{index}_%s"
            ),
        }
        for index, tag in enumerate(tags)
    ]


@public_page
def repository_detail(request: HttpRequest, repository: str) -> HttpResponse:
    context = repository_context(request, repository, "tags")
    search = request.GET.get("tag", "").strip()
    tags = tag_history_page(
        repository=context["repository"],
        only_active=True,
        specific_tag=None,
        name_filter=("like", search) if search else None,
        limit=TAGS_SHOWN,
        page=1,
    ).tags
    rows = _tag_rows(sorted(tags, key=lambda tag: tag.name))
    # No tag, no pull command: naming one that does not exist (`latest`) would only fail.
    commands: list[tuple[str, str]] = []
    if rows:
        reference = f"{context['pull_ref']}:{rows[0]['tag'].name}"
        commands = pull_commands(reference=reference, name=context["repository"].name)
    context.update(
        tags=rows,
        search=search,
        pull_commands=commands,
        description_html=description_html(context["repository"].description),
        description_form=DescriptionForm(initial={"description": context["repository"].description}),
    )
    context["panels"] = [panel(request, context) for panel in repository_page_panels]
    return render(request, "ui/registry/repository.html", context)


@page
@require_POST
def repository_description(request: HttpRequest, repository: str) -> HttpResponse:
    context = repository_context(request, repository, "tags")
    form = DescriptionForm(request.POST)
    if form.is_valid():
        repository_set_description(
            repository=context["repository"],
            description=form.cleaned_data["description"],
            actor=request_actor(request),
        )
        messages.success(request, "Description saved.")
    return redirect("ui-repository", repository=context["full_name"])


@public_page
def tag_history(request: HttpRequest, repository: str) -> HttpResponse:
    context = repository_context(request, repository, "history")
    name = request.GET.get("tag", "").strip() or None
    context.update(rows=tag_history_rows(repository=context["repository"], name=name), tag_filter=name or "")
    return render(request, "ui/registry/history.html", context)


@page
@require_POST
def tag_history_restore(request: HttpRequest, repository: str) -> HttpResponse:
    """Points a tag back at a manifest it had within the time machine window (write role)."""
    context = repository_context(request, repository, "history")
    name, digest = request.POST.get("name", ""), request.POST.get("manifest_digest", "")
    try:
        tag_restore(
            actor=request_actor(request), repository=context["repository"], name=name, manifest_digest=digest
        )
    except (InvalidInput, WritesSuspended) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Tag {name} points at {digest[:19]}… again.")
    return redirect("ui-tag-history", repository=context["full_name"])


@page
@require_POST
def tag_remove(request: HttpRequest, repository: str, tag: str) -> HttpResponse:
    """Ends the tag; it stays restorable from the history for the time machine window."""
    context = repository_context(request, repository, "tags")
    try:
        tag_delete(actor=request_actor(request), repository=context["repository"], name=tag)
    except WritesSuspended as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Tag {tag} deleted. Restore it from the tag history if needed.")
    return redirect("ui-repository", repository=context["full_name"])


@page
@require_POST
def tag_expiration(request: HttpRequest, repository: str, tag: str) -> HttpResponse:
    context = repository_context(request, repository, "tags")
    form = TagExpirationForm(request.POST)
    if not form.is_valid():
        errors = form.errors.get("expires", ["Not a date and time."])
        messages.error(request, " ".join(str(error) for error in errors))
        return redirect("ui-repository", repository=context["full_name"])
    expires = form.cleaned_data["expires"]
    try:
        tag_expiration_set(
            actor=request_actor(request), repository=context["repository"], name=tag, expiration=expires
        )
    except (InvalidInput, WritesSuspended) as error:
        messages.error(request, str(error))
    else:
        when = f"expires at {expires:%Y-%m-%d %H:%M} UTC" if expires else "no longer expires"
        messages.success(request, f"Tag {tag} {when}.")
    return redirect("ui-repository", repository=context["full_name"])


@page
def organization_repositories(request: HttpRequest, org: str) -> HttpResponse:
    """The organization's first tab: its repositories the caller may read."""
    context = organization_context(request, org, "repositories")
    context["repositories"] = repository_list_visible(user=request_actor(request), namespace=org, public=True)
    context["may_create_repository"] = context["role"] in ("admin", "creator")
    context["panels"] = [panel(request, context) for panel in organization_page_panels]
    return render(request, "ui/orgs/overview.html", context)
