"""Quay's request bodies for builds and file drops; the responses are built in views.build_view."""

from __future__ import annotations

from rest_framework import serializers


class BuildRequestInput(serializers.Serializer):
    """Quay's RepositoryBuildRequest, plus build_args (ours)."""

    file_id = serializers.CharField(required=False, allow_blank=False)
    archive_url = serializers.CharField(required=False)
    subdirectory = serializers.CharField(required=False, allow_blank=True)
    dockerfile_path = serializers.CharField(required=False, allow_blank=False)
    # Quay's field name; the metaclass takes declared fields off the class, so it does not hide
    # Serializer.context at run time.
    context = serializers.CharField(required=False, allow_blank=True)  # type: ignore[assignment]
    pull_robot = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    docker_tags = serializers.ListField(child=serializers.CharField(), required=False, min_length=1)
    build_args = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)

    def validate(self, attrs: dict) -> dict:
        if not attrs.get("file_id") and not attrs.get("archive_url"):
            raise serializers.ValidationError("file_id or archive_url required")
        if attrs.get("file_id") and attrs.get("archive_url"):
            raise serializers.ValidationError("give file_id or archive_url, not both")
        tags = attrs.get("docker_tags")
        if tags is not None and len(set(tags)) != len(tags):
            raise serializers.ValidationError("docker_tags must be unique")
        return attrs

    def context_and_dockerfile(self) -> tuple[str, str]:
        """Quay's reading of context, subdirectory and dockerfile_path: the Dockerfile path
        wins, its directory being the context unless one is given; a subdirectory is the
        context holding the Dockerfile."""
        data = self.validated_data
        if "dockerfile_path" in data:
            dockerfile_path = _absolute(data["dockerfile_path"])
            context = data["context"] if "context" in data else dockerfile_path.rpartition("/")[0]
            return _absolute(context), dockerfile_path
        context = _absolute(data["subdirectory"] if "subdirectory" in data else data.get("context", ""))
        return context, context.rstrip("/") + "/Dockerfile"


def _absolute(path: str) -> str:
    return path if path.startswith("/") else "/" + path


class FileDropInput(serializers.Serializer):
    mimeType = serializers.CharField(max_length=255)  # noqa: N815 (Quay's field name)
