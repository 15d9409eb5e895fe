"""The notification pages: a panel on a repository's settings page and a tab of an organization's
pages (for their admins), the header's bell and the signed-in person's in-app notifications.
Thin over notifications.services."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from notifications.models import Event, Notification, UserNotification
from notifications.payloads import event_summary
from notifications.selectors import (
    delivery_attempt_list,
    notification_get,
    notification_list_for_namespace,
    notification_list_for_repository,
    user_notification_list,
    user_notification_unread_count,
)
from notifications.services import (
    NotificationInvalid,
    NotificationNotFound,
    notification_create,
    notification_delete,
    notification_reset,
    notification_test,
    user_notification_mark_read,
)
from notifications.web.forms import NotificationForm
from orgs.errors import NotPermitted
from orgs.web.http import page
from orgs.web.organizations import organization_admin_context
from registry.models import Repository
from registry.web.repositories import repository_context

TAB = "notifications"
ATTEMPTS_SHOWN = 5
INBOX_SHOWN = 100

# What each button on a notification does, and what the page then says.
ACTIONS: dict[str, tuple[Callable[[HttpRequest, Notification], object], str]] = {
    "delete": (
        lambda request, notification: notification_delete(notification=notification, actor=request.user),
        "Notification removed.",
    ),
    "test": (
        lambda request, notification: notification_test(notification=notification),
        "Test notification queued: it is delivered within seconds.",
    ),
    "reset": (
        lambda request, notification: notification_reset(notification=notification, actor=request.user),
        "Failure count reset: the notification is enabled again.",
    ),
}

BUTTONS = [("test", "Test"), ("reset", "Reset failures"), ("delete", "Delete")]


def _rows(notifications: Iterable[Notification]) -> list[dict]:
    return [
        {"notification": row, "attempts": delivery_attempt_list(notification=row, limit=ATTEMPTS_SHOWN)}
        for row in notifications
    ]


def _create(request: HttpRequest, form: NotificationForm, **target: Any) -> bool:
    """Whether the form's notification was created; its errors otherwise go on the form."""
    if not form.is_valid():
        return False
    try:
        notification_create(actor=request.user, **target, **form.service_arguments())
    except NotificationInvalid as error:
        form.add_error(None, str(error))
        return False
    messages.success(request, "Notification added.")
    return True


def _act(request: HttpRequest, action: str, **where: Any) -> None:
    if action not in ACTIONS:
        raise Http404(f"no action {action!r}")
    try:
        notification = notification_get(**where)
    except NotificationNotFound as error:
        raise Http404(str(error)) from error
    service, done = ACTIONS[action]
    service(request, notification)
    messages.success(request, done)


def repository_settings_panel(request: HttpRequest, context: dict) -> str:
    """The panel registry.web shows on the settings page (its admins only reach that page)."""
    repository: Repository = context["repository"]
    panel = {
        "full_name": context["full_name"],
        "rows": _rows(notification_list_for_repository(repository=repository)),
        "form": NotificationForm(auto_id="id_notification_%s"),
        "actions": BUTTONS,
    }
    return render_to_string("ui/notifications/_repository_panel.html", panel, request=request)


def _repository_admin(request: HttpRequest, repository: str) -> Repository:
    context = repository_context(request, repository, "settings")
    if not context["is_admin"]:
        raise NotPermitted(f"{request.user} is not an administrator of {repository}")
    return context["repository"]


def _to_settings(found: Repository) -> HttpResponse:
    response = redirect("ui-repository-settings", repository=str(found))
    response["Location"] += "#notifications"
    return response


@page
@require_POST
def repository_notification_create(request: HttpRequest, repository: str) -> HttpResponse:
    found = _repository_admin(request, repository)
    form = NotificationForm(request.POST)
    if not _create(request, form, namespace=found.namespace, repository=found):
        problems = [str(error) for errors in form.errors.values() for error in errors]
        messages.error(request, "Notification not added: " + "; ".join(problems))
    return _to_settings(found)


@page
@require_POST
def repository_notification_action(
    request: HttpRequest, repository: str, uuid: str, action: str
) -> HttpResponse:
    found = _repository_admin(request, repository)
    _act(request, action, namespace=found.namespace, repository=found, uuid=uuid)
    return _to_settings(found)


@page
def organization_notifications(request: HttpRequest, org: str) -> HttpResponse:
    context = organization_admin_context(request, org, TAB)
    namespace = context["org"].namespace
    form = NotificationForm(request.POST or None, namespace_only=True)
    if request.method == "POST" and _create(request, form, namespace=namespace, repository=None):
        return redirect("ui-org-notifications", org=org)
    context.update(
        rows=_rows(notification_list_for_namespace(namespace=namespace)), form=form, actions=BUTTONS
    )
    return render(request, "ui/notifications/organization.html", context)


@page
@require_POST
def organization_notification_action(request: HttpRequest, org: str, uuid: str, action: str) -> HttpResponse:
    namespace = organization_admin_context(request, org, TAB)["org"].namespace
    _act(request, action, namespace=namespace, repository=None, uuid=uuid)
    return redirect("ui-org-notifications", org=org)


def header_bell(request: HttpRequest) -> str:
    """The header's bell, with the signed-in person's unread count."""
    if not request.user.is_authenticated:
        return ""
    unread = user_notification_unread_count(user=request.user)
    return render_to_string("ui/notifications/_bell.html", {"unread": unread})


def _inbox_row(note: UserNotification) -> dict:
    metadata = note.metadata or {}
    event = Event(note.kind).label if note.kind in Event.values else note.kind
    about = [event_summary(note.kind, metadata)]
    if metadata.get("updated_tags"):
        about.append("tags " + ", ".join(str(tag) for tag in metadata["updated_tags"]))
    if metadata.get("message"):
        about.append(str(metadata["message"]))
    return {"note": note, "event": event, "about": " · ".join(about)}


@page
def inbox(request: HttpRequest) -> HttpResponse:
    notes = [_inbox_row(note) for note in user_notification_list(user=request.user, limit=INBOX_SHOWN)]
    return render(request, "ui/notifications/inbox.html", {"notes": notes})


@page
@require_POST
def inbox_mark_read(request: HttpRequest, uuid: str) -> HttpResponse:
    try:
        user_notification_mark_read(user=request.user, uuids=[uuid], read=True)
    except NotificationNotFound as error:
        raise Http404(str(error)) from error
    return redirect("ui-notifications")
