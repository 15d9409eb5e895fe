"""The superuser console for the registry: repositories, tags, manifests and blobs.

Manifests, blobs and tags are content-addressed history: editing one by hand would break what
clients verify, so they are view-only here; repositories change through the services.
"""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from orgs.request_context import request_actor
from orgs.selectors.identity import robot_users_of
from registry.models import Blob, BlobReplication, GCRun, Manifest, NamespaceStorage, Repository, Tag
from registry.services.gc import gc_repository_enqueue
from registry.services.placement import namespace_storage_clear, namespace_storage_set
from registry.services.repository_states import repository_set_state
from registry.tag_liveness import tag_active_q


class RepositoryForm(forms.ModelForm):
    """A mirror robot is a robot of the repository's own namespace, never a person."""

    class Meta:
        model = Repository
        fields = ("description", "mirror_robot")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "mirror_robot" in self.fields:
            field = self.fields["mirror_robot"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = robot_users_of(namespace_id=self.instance.namespace_id)
            field.help_text = "Only this robot may push while the state is MIRROR."


@admin.register(Repository)
class RepositoryAdmin(admin.ModelAdmin):
    form = RepositoryForm
    list_display = ("__str__", "is_public", "state", "created")
    list_filter = ("is_public", "state", "namespace__kind")
    search_fields = ("namespace__name", "name", "description")
    list_select_related = ("namespace",)
    date_hierarchy = "created"
    actions = ["set_state_normal", "set_state_read_only", "set_state_mirror", "queue_gc"]
    # Visibility and state change through the services (audited); only the description is free text.
    readonly_fields = ("namespace", "name", "is_public", "state", "created")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Deleting a repository goes through its service, which orders the deletes.
        return False

    def _set_state(self, request: HttpRequest, queryset: QuerySet[Repository], state: str) -> None:
        for repository in queryset.select_related("namespace").order_by("pk"):
            repository_set_state(repository=repository, state=state, actor=request_actor(request))
        self.message_user(request, f"{queryset.count()} repository(ies) now {state}.", messages.SUCCESS)

    @admin.action(description="Set state: normal (pushes allowed)")
    def set_state_normal(self, request: HttpRequest, queryset: QuerySet[Repository]) -> None:
        self._set_state(request, queryset, Repository.State.NORMAL)

    @admin.action(description="Set state: read-only (pulls only)")
    def set_state_read_only(self, request: HttpRequest, queryset: QuerySet[Repository]) -> None:
        self._set_state(request, queryset, Repository.State.READ_ONLY)

    @admin.action(description="Set state: mirror (only the mirror robot pushes)")
    def set_state_mirror(self, request: HttpRequest, queryset: QuerySet[Repository]) -> None:
        self._set_state(request, queryset, Repository.State.MIRROR)

    @admin.action(description="Queue garbage collection of selected repositories")
    def queue_gc(self, request: HttpRequest, queryset: QuerySet[Repository]) -> None:
        count = 0
        for repository in queryset.order_by("pk"):
            gc_repository_enqueue(repository)
            count += 1
        self.message_user(
            request, f"Garbage collection queued for {count} repository(ies); see GC runs.", messages.SUCCESS
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows whose hand edits would break content addressing: view only."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Blob)
class BlobAdmin(ReadOnlyAdmin):
    list_display = ("digest", "size", "created")
    search_fields = ("digest",)
    date_hierarchy = "created"


@admin.register(Manifest)
class ManifestAdmin(ReadOnlyAdmin):
    list_display = ("repository", "digest", "media_type", "artifact_type", "size", "created")
    list_filter = ("media_type",)
    search_fields = ("digest", "repository__name", "repository__namespace__name", "subject_digest")
    list_select_related = ("repository__namespace",)
    exclude = ("content",)


class TagLiveFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "live"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "live"), ("no", "ended")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Tag]) -> QuerySet[Tag]:
        live = tag_active_q(timezone.now())
        if self.value() == "yes":
            return queryset.filter(live)
        if self.value() == "no":
            return queryset.exclude(live)
        return queryset


@admin.register(Tag)
class TagAdmin(ReadOnlyAdmin):
    list_display = ("name", "repository", "manifest_digest", "start", "end")
    list_filter = (TagLiveFilter,)
    search_fields = ("name", "repository__name", "repository__namespace__name", "manifest__digest")
    list_select_related = ("repository__namespace", "manifest")
    date_hierarchy = "start"

    @admin.display(description="manifest")
    def manifest_digest(self, tag: Tag) -> str:
        return tag.manifest.digest


@admin.register(GCRun)
class GCRunAdmin(ReadOnlyAdmin):
    list_display = (
        "started",
        "finished",
        "repository_name",
        "dry_run",
        "tags_deleted",
        "manifests_deleted",
        "blobs_deleted",
        "bytes_reclaimed",
        "storage_errors",
    )
    list_filter = ("dry_run",)
    search_fields = ("repository_name",)
    date_hierarchy = "started"


@admin.register(BlobReplication)
class BlobReplicationAdmin(ReadOnlyAdmin):
    """The replication backlog: the location filter's counts are the backlog per location."""

    list_display = ("blob", "location", "created", "attempts", "next_attempt", "last_error")
    list_filter = ("location",)
    show_facets = admin.ShowFacets.ALWAYS
    search_fields = ("blob__digest",)
    list_select_related = ("blob",)
    ordering = ("next_attempt",)


class NamespaceStorageForm(forms.ModelForm):
    locations = forms.MultipleChoiceField(
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        help_text="The namespace's blobs are written to, and copied to, these locations.",
    )

    class Meta:
        model = NamespaceStorage
        fields = ("namespace", "locations")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["locations"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(location, location) for location in settings.STORAGE_CONFIG]


@admin.register(NamespaceStorage)
class NamespaceStorageAdmin(admin.ModelAdmin):
    form = NamespaceStorageForm
    list_display = ("namespace", "locations", "updated")
    search_fields = ("namespace__name",)
    list_select_related = ("namespace",)

    def save_model(
        self, request: HttpRequest, obj: NamespaceStorage, form: forms.ModelForm, change: bool
    ) -> None:
        # Through the service, which also queues the copies of the namespace's existing blobs.
        saved = namespace_storage_set(
            namespace=obj.namespace,
            locations=list(form.cleaned_data["locations"]),
            actor=request_actor(request),
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: NamespaceStorage) -> None:
        namespace_storage_clear(namespace=obj.namespace, actor=request_actor(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[NamespaceStorage]) -> None:
        for storage in queryset.select_related("namespace"):
            namespace_storage_clear(namespace=storage.namespace, actor=request_actor(request))
