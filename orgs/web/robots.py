"""An organization's robot accounts: create, see grants, reveal a token once, regenerate, delete."""

from __future__ import annotations

import base64
import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from orgs.request_context import request_actor
from orgs.selectors.identity import robot_get, robot_list
from orgs.selectors.members import robot_grant_list, robot_team_names
from orgs.services import robot_create, robot_delete, robot_token_regenerate
from orgs.web.forms import RobotForm
from orgs.web.http import FORM_ERRORS, page, secret_reveal_later, secret_reveal_take
from orgs.web.organizations import organization_admin_context
from quaysite.client_commands import login_commands
from quaysite.hosts import service_host


@page
def robot_index(request: HttpRequest, org: str) -> HttpResponse:
    context = organization_admin_context(request, org, "robots")
    form = RobotForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            robot, token = robot_create(
                namespace=context["org"].namespace,
                short_name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                actor=request_actor(request),
            )
        except FORM_ERRORS as error:
            form.add_error("name", str(error))
        else:
            secret_reveal_later(request, subject=robot.user.username, secret=token)
            return redirect("ui-robot", org=org, robot=robot.short_name)
    context.update(robots=robot_list(namespace=context["org"].namespace), form=form)
    return render(request, "ui/orgs/robots.html", context)


def _pull_secret(*, host: str, username: str, token: str, name: str) -> str:
    """A Kubernetes Secret of type dockerconfigjson, as `kubectl apply -f` takes it."""
    auth = base64.b64encode(f"{username}:{token}".encode()).decode()
    config = json.dumps({"auths": {host: {"auth": auth}}})
    encoded = base64.b64encode(config.encode()).decode()
    return (
        "apiVersion: v1\nkind: Secret\nmetadata:\n"
        f"  name: {name}-pull-secret\n"
        "type: kubernetes.io/dockerconfigjson\ndata:\n"
        f"  .dockerconfigjson: {encoded}\n"
    )


@page
def robot_detail(request: HttpRequest, org: str, robot: str) -> HttpResponse:
    context = organization_admin_context(request, org, "robots")
    found = robot_get(namespace=context["org"].namespace, short_name=robot)
    username, host = found.user.username, service_host(request)
    token = secret_reveal_take(request, subject=username)
    context.update(
        robot=found,
        token=token,
        grants=robot_grant_list(robot=found),
        teams=robot_team_names(robot=found),
        login_commands=login_commands(host=host, username=username, token=token) if token else [],
        pull_secret=_pull_secret(host=host, username=username, token=token, name=org + "-" + found.short_name)
        if token
        else "",
    )
    return render(request, "ui/orgs/robot.html", context)


@page
@require_POST
def robot_regenerate(request: HttpRequest, org: str, robot: str) -> HttpResponse:
    context = organization_admin_context(request, org, "robots")
    found = robot_get(namespace=context["org"].namespace, short_name=robot)
    token = robot_token_regenerate(robot=found, actor=request_actor(request))
    secret_reveal_later(request, subject=found.user.username, secret=token)
    messages.success(request, "New token made: the old one no longer works.")
    return redirect("ui-robot", org=org, robot=found.short_name)


@page
@require_POST
def robot_remove(request: HttpRequest, org: str, robot: str) -> HttpResponse:
    context = organization_admin_context(request, org, "robots")
    found = robot_get(namespace=context["org"].namespace, short_name=robot)
    robot_delete(robot=found, actor=request_actor(request))
    messages.success(request, f"Robot {found} deleted.")
    return redirect("ui-org-robots", org=org)
