"""Organization pages: the list and creation, the overview with members and teams, a team's page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from orgs.errors import NotFound, NotPermitted
from orgs.models import Organization, Team
from orgs.request_context import request_actor
from orgs.selectors.identity import (
    is_superuser,
    namespace_role,
    organization_get_for_member,
    organization_roles_for,
    team_get,
    team_list_with_counts,
    team_names_of,
    user_get,
)
from orgs.selectors.members import organization_collaborators, organization_members, team_member_list
from orgs.services import (
    organization_create,
    team_create,
    team_delete,
    team_member_add,
    team_member_remove,
    team_set_role,
)
from orgs.web.forms import MemberForm, OrganizationForm, TeamForm, TeamRoleForm
from orgs.web.http import FORM_ERRORS, page
from orgs.web.tabs import organization_admin_tabs


def _may_create_organizations(request: HttpRequest) -> bool:
    return not settings.FEATURE_SUPERUSERS_ORG_CREATION_ONLY or is_superuser(request_actor(request))


@page
def organization_list(request: HttpRequest) -> HttpResponse:
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = organization_create(creator=request_actor(request), **form.cleaned_data)
        except FORM_ERRORS as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, f"Organization {organization} created; you are in its owners team.")
            return redirect("ui-organization", org=organization.namespace.name)
    context = {
        "nav": "organizations",
        "memberships": organization_roles_for(user=request_actor(request)),
        "form": form,
        "may_create": _may_create_organizations(request),
    }
    return render(request, "ui/orgs/list.html", context)


def organization_context(request: HttpRequest, org: str, tab: str) -> dict:
    """What every organization tab shows in its header; refuses strangers with a 404."""
    organization = organization_get_for_member(user=request_actor(request), name=org)
    role = namespace_role(user=request_actor(request), namespace=organization.namespace)
    return {
        "nav": "organizations",
        "org": organization,
        "is_admin": role == "admin",
        "role": role,
        "tab": tab,
        "feature_tabs": organization_admin_tabs,
    }


def organization_admin_context(request: HttpRequest, org: str, tab: str) -> dict:
    context = organization_context(request, org, tab)
    if not context["is_admin"]:
        raise NotPermitted(f"{request.user} is not an administrator of {org}")
    return context


def _teams_page(request: HttpRequest, context: dict, form: TeamForm | None = None) -> HttpResponse:
    organization: Organization = context["org"]
    viewer = request_actor(request)
    visible = None if context["is_admin"] else team_names_of(user=viewer, organization=organization)
    context.update(
        teams=[
            team
            for team in team_list_with_counts(organization=organization)
            if visible is None or team.name in visible
        ],
        members=organization_members(organization=organization, include_robots=True)
        if context["is_admin"]
        else [],
        collaborators=organization_collaborators(organization=organization) if context["is_admin"] else [],
        form=form or TeamForm(),
    )
    return render(request, "ui/orgs/teams.html", context)


@page
def organization_teams(request: HttpRequest, org: str) -> HttpResponse:
    context = organization_context(request, org, "teams")
    if request.method != "POST":
        return _teams_page(request, context)
    form = TeamForm(request.POST)
    if form.is_valid():
        try:
            team = team_create(organization=context["org"], actor=request_actor(request), **form.cleaned_data)
        except FORM_ERRORS as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, f"Team {team.name} created. Add its members below.")
            return redirect("ui-team", org=org, team=team.name)
    return _teams_page(request, context, form)


def _team_for_viewer(request: HttpRequest, context: dict, name: str) -> Team:
    team = team_get(organization=context["org"], name=name)
    if not context["is_admin"] and team.name not in team_names_of(
        user=request_actor(request), organization=context["org"]
    ):
        raise NotPermitted(f"{request.user} is neither an admin nor a member of {team}")
    return team


@page
def team_detail(request: HttpRequest, org: str, team: str) -> HttpResponse:
    context = organization_context(request, org, "teams")
    found = _team_for_viewer(request, context, team)
    member_form = MemberForm(request.POST or None)
    if request.method == "POST" and member_form.is_valid():
        try:
            member = user_get(name=member_form.cleaned_data["username"])
            team_member_add(team=found, user=member, actor=request_actor(request))
        except (*FORM_ERRORS, NotFound) as error:
            member_form.add_error("username", str(error))
        else:
            messages.success(request, f"{member.username} added to {found.name}.")
            return redirect("ui-team", org=org, team=found.name)
    context.update(
        team=found,
        members=team_member_list(team=found),
        member_form=member_form,
        role_form=TeamRoleForm(initial={"role": found.role}),
    )
    return render(request, "ui/orgs/team.html", context)


@page
@require_POST
def team_member_delete(request: HttpRequest, org: str, team: str, username: str) -> HttpResponse:
    context = organization_context(request, org, "teams")
    found = team_get(organization=context["org"], name=team)
    try:
        team_member_remove(team=found, user=user_get(name=username), actor=request_actor(request))
    except FORM_ERRORS as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{username} removed from {found.name}.")
    return redirect("ui-team", org=org, team=found.name)


@page
@require_POST
def team_role_change(request: HttpRequest, org: str, team: str) -> HttpResponse:
    context = organization_context(request, org, "teams")
    found = team_get(organization=context["org"], name=team)
    form = TeamRoleForm(request.POST)
    if form.is_valid():
        try:
            team_set_role(team=found, role=form.cleaned_data["role"], actor=request_actor(request))
        except FORM_ERRORS as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"{found.name} now has the {found.role} role.")
    return redirect("ui-team", org=org, team=found.name)


@page
@require_POST
def team_remove(request: HttpRequest, org: str, team: str) -> HttpResponse:
    context = organization_context(request, org, "teams")
    found = team_get(organization=context["org"], name=team)
    try:
        team_delete(team=found, actor=request_actor(request))
    except FORM_ERRORS as error:
        messages.error(request, str(error))
        return redirect("ui-team", org=org, team=found.name)
    messages.success(request, f"Team {team} deleted.")
    return redirect("ui-org-teams", org=org)
