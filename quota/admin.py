"""The superuser console's quota page: namespaces by the bytes they store, with their quota.

It stands in for NamespaceSize's change list, so it sits in the console's index under Quota; the
rows are read-only here (the accounting owns them, superusers set quotas through the API)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from orgs.selectors.identity import is_superuser
from quota.models import NamespaceSize
from quota.selectors import namespaces_by_usage, registry_usage

NAMESPACES_SHOWN = 200


@admin.register(NamespaceSize)
class NamespaceUsageAdmin(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return settings.FEATURE_QUOTA_MANAGEMENT and is_superuser(request.user)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": "Namespaces by storage used",
            "opts": self.model._meta,
            "usages": namespaces_by_usage(limit=NAMESPACES_SHOWN),
            "registry": registry_usage(),
            "shown": NAMESPACES_SHOWN,
        }
        return TemplateResponse(request, "admin/quota/namespace_usage.html", context)
