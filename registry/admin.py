from django.contrib import admin

from registry.models import Blob, Manifest, Repository, Tag


@admin.register(Repository)
class RepositoryAdmin(admin.ModelAdmin):
    list_display = ("__str__", "is_public", "state", "created")
    list_filter = ("is_public", "state")
    search_fields = ("namespace__name", "name")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows whose hand edits would break content addressing: view only."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Blob)
class BlobAdmin(ReadOnlyAdmin):
    list_display = ("digest", "size", "created")
    search_fields = ("digest",)


@admin.register(Manifest)
class ManifestAdmin(ReadOnlyAdmin):
    list_display = ("repository", "digest", "media_type", "artifact_type", "size", "created")
    search_fields = ("digest", "repository__name")
    exclude = ("content",)


@admin.register(Tag)
class TagAdmin(ReadOnlyAdmin):
    list_display = ("repository", "name", "manifest", "start", "end")
    search_fields = ("name", "repository__name")
