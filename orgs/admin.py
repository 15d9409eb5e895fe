from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from orgs.models import Namespace, Organization, Team, TeamMember, User


@admin.register(User)
class RegistryUserAdmin(UserAdmin):
    list_display = ("username", "email", "is_active", "is_superuser", "date_joined", "last_login")
    list_filter = ("is_active", "is_superuser")


@admin.register(Namespace)
class NamespaceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "created")
    list_filter = ("kind",)
    search_fields = ("name",)


class TeamInline(admin.TabularInline):
    model = Team
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("namespace", "email", "created")
    search_fields = ("namespace__name",)
    inlines = [TeamInline]


@admin.register(TeamMember)
class TeamMemberAdmin(admin.ModelAdmin):
    list_display = ("team", "user")
    search_fields = ("team__name", "user__username")
