"""The superuser console for identity: users, organizations, teams, robots and the audit log.

Actions go through the same services as the API, with the signed-in superuser as the actor, so
each one is authorized and written to the audit log like any other change.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.models import Group
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django_rq.admin import QueueAdmin
from django_rq.models import Dashboard
from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)

from orgs.errors import InvalidName, NotPermitted
from orgs.models import AuditLog, Namespace, Organization, RobotAccount, Team, TeamMember, User
from orgs.names import user_name_validate
from orgs.request_context import request_actor
from orgs.selectors.identity import namespace_name_taken
from orgs.services import user_create
from orgs.services.superuser import organization_take_ownership, superuser_user_update

admin.site.site_header = f"{settings.REGISTRY_TITLE} superuser console"
admin.site.site_title = f"{settings.REGISTRY_TITLE} superuser console"
admin.site.site_url = "/repositories/"
# The lists need the width: the index and the breadcrumbs lead to every model.
admin.site.enable_nav_sidebar = False


class QueueDashboardAdmin(QueueAdmin):
    """django-rq's dashboard, shown only with Redis: the embedded default's in-process queues are
    invisible to django-rq, whose dashboard would show no queue at all."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return not settings.JOBS_IN_PROCESS and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return not settings.JOBS_IN_PROCESS and super().has_view_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return not settings.JOBS_IN_PROCESS and super().has_change_permission(request, obj)


def _console_hide_what_means_nothing_here() -> None:
    """Groups grant nothing here (teams and repository roles do), and the OAuth toolkit's tokens
    and grants are credentials to revoke through the API, not rows to edit by hand."""
    for model in (
        Group,
        get_access_token_model(),
        get_refresh_token_model(),
        get_id_token_model(),
        get_grant_model(),
    ):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
    if admin.site.is_registered(Dashboard):
        admin.site.unregister(Dashboard)
        admin.site.register(Dashboard, QueueDashboardAdmin)


_console_hide_what_means_nothing_here()


class ViewOnlyMixin:
    """Rows that change only through the services (which keep invariants and the audit log)."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class NewUserForm(AdminUserCreationForm):
    """The namespace rules apply to users made here too: the user's name is their namespace."""

    def clean_username(self) -> str:
        username = super().clean_username()
        try:
            user_name_validate(username)
        except InvalidName as error:
            raise forms.ValidationError(str(error)) from None
        if namespace_name_taken(name=username):
            raise forms.ValidationError(f"the name {username!r} is already taken by a user or organization")
        return username


@admin.register(User)
class RegistryUserAdmin(UserAdmin):
    """People only: robots have their own list (Robot accounts), made and rotated by services."""

    list_display = ("username", "email", "is_active", "is_superuser", "date_joined", "last_login")
    list_filter = ("is_active", "is_superuser")
    search_fields = ("username", "email")
    actions = ["disable_users", "enable_users"]
    add_form = NewUserForm

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).filter(robot__isnull=True)

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> tuple[str, ...]:
        # The name is the namespace's; enabling and disabling go through the audited actions.
        return ("username", "is_active", "last_login", "date_joined") if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: User, form: forms.Form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = user_create(
            username=obj.username,
            password=form.cleaned_data.get("password1") or None,
            actor=request_actor(request),
        )
        obj.pk, obj.namespace, obj.password = created.pk, created.namespace, created.password
        obj._state.adding = False

    def _set_active(self, request: HttpRequest, queryset: QuerySet[User], active: bool) -> None:
        changed = 0
        for user in queryset.order_by("pk"):
            try:
                superuser_user_update(user=user, enabled=active, actor=request_actor(request))
            except NotPermitted as error:
                self.message_user(request, str(error), messages.ERROR)
                continue
            changed += 1
        state = "enabled" if active else "disabled"
        self.message_user(request, f"{changed} user(s) {state}.", messages.SUCCESS)

    @admin.action(description="Disable selected users (they can no longer log in)")
    def disable_users(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._set_active(request, queryset, active=False)

    @admin.action(description="Enable selected users")
    def enable_users(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._set_active(request, queryset, active=True)


@admin.register(Namespace)
class NamespaceAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "time_machine_seconds", "created")
    list_filter = ("kind",)
    search_fields = ("name",)


class TeamInline(ViewOnlyMixin, admin.TabularInline):
    model = Team
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("namespace", "email", "team_count", "created")
    search_fields = ("namespace__name", "email")
    date_hierarchy = "created"
    inlines = [TeamInline]
    actions = ["take_ownership"]
    readonly_fields = ("namespace", "created")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Organizations are made with their owners team, by organization_create.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organization]:
        return super().get_queryset(request).select_related("namespace").annotate(teams_total=Count("teams"))

    @admin.display(description="teams", ordering="teams_total")
    def team_count(self, organization: Organization) -> int:
        return organization.teams_total

    @admin.action(description="Take ownership (join the owners team)")
    def take_ownership(self, request: HttpRequest, queryset: QuerySet[Organization]) -> None:
        joined = sum(
            organization_take_ownership(organization=organization, actor=request_actor(request))
            for organization in queryset.order_by("pk")
        )
        self.message_user(
            request, f"You joined the owners team of {joined} organization(s).", messages.SUCCESS
        )


@admin.register(Team)
class TeamAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("name", "organization", "role", "description")
    list_filter = ("role",)
    search_fields = ("name", "organization__namespace__name")
    list_select_related = ("organization__namespace",)


@admin.register(TeamMember)
class TeamMemberAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("team", "user")
    search_fields = ("team__name", "user__username")
    list_select_related = ("team__organization__namespace", "user")


@admin.register(RobotAccount)
class RobotAccountAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """Robots are made and rotated through the services (their token is only a hash): view only."""

    list_display = ("__str__", "namespace", "description", "created", "token_rotated")
    list_filter = ("namespace__kind",)
    search_fields = ("short_name", "namespace__name", "description")
    list_select_related = ("namespace",)
    exclude = ("token_hash",)


@admin.register(AuditLog)
class AuditLogAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """The record of what happened stays as it was written."""

    list_display = ("created", "kind", "performer", "where", "credential", "ip")
    list_filter = ("kind", "credential")
    search_fields = ("performer_name", "namespace_name", "repository_name", "kind")
    date_hierarchy = "created"
    readonly_fields = [field.name for field in AuditLog._meta.fields]

    # Short headers and one "where" column: the list then fits a laptop's width.
    @admin.display(description="performer", ordering="performer_name")
    def performer(self, row: AuditLog) -> str:
        return row.performer_name or "-"

    @admin.display(description="where", ordering="namespace_name")
    def where(self, row: AuditLog) -> str:
        if row.repository_name:
            return f"{row.namespace_name}/{row.repository_name}"
        return row.namespace_name or "-"
