"""Quay's JSON shapes for repositories and tags."""

from __future__ import annotations

from email.utils import formatdate

from rest_framework import serializers

from registry.manifest_formats import INDEX_TYPES
from registry.models import Repository, Tag

VISIBILITY_CHOICES = ["public", "private"]
# Out-of-range limits and pages are clamped as Quay does, but within this bound: beyond it an
# offset no longer fits the database's 64-bit integers.
PAGE_MAX = 10**9


class RepositoryListQuery(serializers.Serializer):
    namespace = serializers.CharField(required=False, help_text="Filters the repositories to this namespace")
    public = serializers.BooleanField(
        default=False, help_text="Adds the repositories visible by virtue of being public"
    )
    starred = serializers.BooleanField(default=False, help_text="Only starred repositories")
    next_page = serializers.CharField(required=False, help_text="The token of the page to return")


class RepositoryCreateInput(serializers.Serializer):
    namespace = serializers.CharField(required=False, help_text="Defaults to the caller's own namespace")
    repository = serializers.CharField()
    visibility = serializers.ChoiceField(choices=VISIBILITY_CHOICES)
    description = serializers.CharField(allow_blank=True, help_text="Markdown encoded description")
    repo_kind = serializers.ChoiceField(choices=["image"], required=False, allow_null=True)


class RepositoryCreatedOutput(serializers.Serializer):
    namespace = serializers.CharField(source="namespace.name")
    name = serializers.CharField()
    kind = serializers.CharField(default="image")


class RepositorySummaryOutput(serializers.Serializer):
    namespace = serializers.CharField(source="namespace.name")
    name = serializers.CharField()
    description = serializers.CharField()
    is_public = serializers.BooleanField()
    kind = serializers.CharField(default="image")
    state = serializers.CharField()
    is_starred = serializers.SerializerMethodField()

    def get_is_starred(self, repository: Repository) -> bool:
        """Needs ``starred``, the ids the caller starred, in the context."""
        return repository.pk in self.context["starred"]


class RepositoryListOutput(serializers.Serializer):
    repositories = RepositorySummaryOutput(many=True)
    next_page = serializers.CharField(required=False)


class RepositoryOutput(RepositorySummaryOutput):
    """Needs the caller's role on the repository and the namespace's time machine window in the
    context: ``{"role": "read", "starred": {ids}, "tag_expiration_s": 1209600}``."""

    is_organization = serializers.SerializerMethodField()
    status_token = serializers.CharField(
        default="", help_text="Quay's status badge token: empty, this registry serves no badges"
    )
    trust_enabled = serializers.BooleanField(default=False, help_text="Content trust (Notary): not offered")
    tag_expiration_s = serializers.SerializerMethodField(help_text="How long ended tags stay restorable")
    can_write = serializers.SerializerMethodField()
    can_admin = serializers.SerializerMethodField()

    def get_is_organization(self, repository: Repository) -> bool:
        return repository.namespace.kind == "organization"

    def get_can_write(self, repository: Repository) -> bool:
        # A read-only or mirrored repository takes no writes, whatever the role.
        writable = repository.state == Repository.State.NORMAL
        return writable and self.context["role"] in ("write", "admin")

    def get_can_admin(self, repository: Repository) -> bool:
        return self.context["role"] == "admin"

    def get_tag_expiration_s(self, repository: Repository) -> int:
        return self.context["tag_expiration_s"]


class RepositoryUpdateInput(serializers.Serializer):
    description = serializers.CharField(allow_blank=True, help_text="Markdown encoded description")


class VisibilityInput(serializers.Serializer):
    visibility = serializers.ChoiceField(choices=VISIBILITY_CHOICES)


class SuccessOutput(serializers.Serializer):
    success = serializers.BooleanField()


class TagListQuery(serializers.Serializer):
    onlyActiveTags = serializers.BooleanField(default=False, help_text="Only tags that are live now")  # noqa: N815
    specificTag = serializers.CharField(required=False, help_text="Only the history of this tag")  # noqa: N815
    filter_tag_name = serializers.CharField(
        required=False, help_text="<op>:<name>, op 'like' (names containing name) or 'eq' (exactly name)"
    )
    limit = serializers.IntegerField(
        default=50, min_value=-PAGE_MAX, max_value=PAGE_MAX, help_text="Tags per page, at most 100"
    )
    page = serializers.IntegerField(
        default=1, min_value=-PAGE_MAX, max_value=PAGE_MAX, help_text="The page number, from 1"
    )

    def validate_filter_tag_name(self, value: str) -> tuple[str, str]:
        operation, sep, name = value.partition(":")
        if not sep or operation not in ("like", "eq"):
            raise serializers.ValidationError(
                "Expected <operation>:<tag_name> where <operation> is 'like' or 'eq'"
            )
        return operation, name


def _timestamp(moment) -> int:
    return int(moment.timestamp())


class TagOutput(serializers.Serializer):
    name = serializers.CharField()
    reversion = serializers.BooleanField(default=False)
    start_ts = serializers.SerializerMethodField()
    end_ts = serializers.SerializerMethodField(help_text="Only for a tag that ended or will expire")
    expiration = serializers.SerializerMethodField(help_text="Only for a tag that ended or will expire")
    manifest_digest = serializers.CharField(source="manifest.digest")
    is_manifest_list = serializers.SerializerMethodField()
    size = serializers.IntegerField(allow_null=True)
    last_modified = serializers.SerializerMethodField()

    def get_start_ts(self, tag: Tag) -> int:
        return _timestamp(tag.start)

    def get_end_ts(self, tag: Tag) -> int | None:
        return _timestamp(tag.end) if tag.end else None

    def get_expiration(self, tag: Tag) -> str | None:
        return formatdate(tag.end.timestamp()) if tag.end else None

    def get_is_manifest_list(self, tag: Tag) -> bool:
        return tag.manifest.media_type in INDEX_TYPES

    def get_last_modified(self, tag: Tag) -> str:
        return formatdate(tag.start.timestamp())

    def to_representation(self, instance: Tag) -> dict:
        # Quay names an end only for tags that have one.
        data = super().to_representation(instance)
        if data["end_ts"] is None:
            del data["end_ts"], data["expiration"]
        return data


class TagListOutput(serializers.Serializer):
    tags = TagOutput(many=True)
    page = serializers.IntegerField()
    has_additional = serializers.BooleanField()


class RepositoryStateInput(serializers.Serializer):
    state = serializers.ChoiceField(choices=Repository.State.values, help_text="NORMAL, READ_ONLY or MIRROR")


class TagChangeInput(serializers.Serializer):
    """Each key acts only when present: a null expiration clears it."""

    manifest_digest = serializers.CharField(
        required=False, help_text="The manifest digest to which the tag should point"
    )
    expiration = serializers.FloatField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=253402300799,
        help_text="When the tag expires, in unix seconds; null for never",
    )


class TagRestoreInput(serializers.Serializer):
    manifest_digest = serializers.CharField(
        help_text="A manifest the tag pointed to within the time machine window"
    )


class TagExpireInput(serializers.Serializer):
    manifest_digest = serializers.CharField(required=False, help_text="Required when is_alive is false")
    is_alive = serializers.BooleanField(
        default=False, help_text="Expire the live tag; else its ended rows that pointed to manifest_digest"
    )
    include_submanifests = serializers.BooleanField(
        default=False, help_text="An index's children carry no tags here: they follow their index"
    )


class TagDeleteQuery(serializers.Serializer):
    skipRecoveryPeriod = serializers.BooleanField(  # noqa: N815
        default=False, help_text="Skip the time machine (needs PERMANENTLY_DELETE_TAGS)"
    )


class LayerOutput(serializers.Serializer):
    index = serializers.IntegerField()
    compressed_size = serializers.IntegerField()
    is_remote = serializers.BooleanField()
    urls = serializers.ListField(child=serializers.CharField(), allow_null=True)
    command = serializers.ListField(child=serializers.CharField(), allow_null=True)
    comment = serializers.CharField(allow_null=True)
    author = serializers.CharField(allow_null=True)
    blob_digest = serializers.CharField()
    created_datetime = serializers.CharField(allow_null=True)


class ManifestOutput(serializers.Serializer):
    digest = serializers.CharField()
    is_manifest_list = serializers.BooleanField()
    manifest_data = serializers.CharField()
    config_media_type = serializers.CharField(allow_null=True)
    layers = LayerOutput(many=True, allow_null=True)
    layers_compressed_size = serializers.IntegerField(
        allow_null=True, help_text="The layers' sizes added up; null for an index"
    )


class LabelOutput(serializers.Serializer):
    id = serializers.CharField(source="uuid")
    key = serializers.CharField()
    value = serializers.CharField()
    source_type = serializers.CharField()
    media_type = serializers.CharField()


class LabelListOutput(serializers.Serializer):
    labels = LabelOutput(many=True)


class LabelCreatedOutput(serializers.Serializer):
    # Quay's key. DRF's metaclass takes declared fields off the class, so this hides no Field.label;
    # the stubs see the class attribute.
    label = LabelOutput()  # type: ignore[assignment]


class LabelListQuery(serializers.Serializer):
    filter = serializers.CharField(required=False, help_text="Only labels whose key starts with this prefix")


class LabelInput(serializers.Serializer):
    key = serializers.CharField(max_length=255, help_text="The key for the label")
    value = serializers.CharField(
        allow_blank=True, trim_whitespace=False, help_text="The value for the label"
    )
    media_type = serializers.ChoiceField(
        choices=["text/plain", "application/json"], allow_null=True, required=False, default=None
    )
