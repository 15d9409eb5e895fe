"""Dockerfile builds: their triggers, the builds themselves and each build's log lines (Quay's
RepositoryBuildTrigger, RepositoryBuild and the build logs its buildman keeps in Redis, which we
keep in the database while a build runs and archive to storage when it ends)."""

from __future__ import annotations

import uuid

from django.db import models


class BuildTrigger(models.Model):
    """What starts builds of a repository from a source repository's pushes (builds.triggers)."""

    class Service(models.TextChoices):
        GITHUB = "github"
        GITLAB = "gitlab"
        BITBUCKET = "bitbucket"
        CUSTOM_GIT = "custom-git"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    repository = models.ForeignKey(
        "registry.Repository", on_delete=models.CASCADE, related_name="build_triggers"
    )
    service = models.CharField(max_length=16, choices=Service.choices)
    connected_user = models.ForeignKey(
        "orgs.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="build_triggers"
    )
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=255, blank=True)
    # build_source (the git URL), dockerfile_path, context, branchtag_regex, default_tag_from_ref,
    # latest_for_default_branch, tag_templates, ...: Quay's trigger config keys.
    config = models.JSONField(default=dict, blank=True)
    # Fernet ciphertexts (orgs.secrets): the webhook secret and the SSH deploy key.
    secret_encrypted = models.TextField(blank=True)
    private_key_encrypted = models.TextField(blank=True)
    public_key = models.TextField(blank=True)
    pull_robot = models.ForeignKey(
        "orgs.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="pulling_build_triggers"
    )
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.service} trigger {self.uuid}"


class RepositoryBuild(models.Model):
    class Phase(models.TextChoices):
        """Quay's BUILD_PHASE values."""

        WAITING = "waiting"
        BUILD_SCHEDULED = "build-scheduled"
        UNPACKING = "unpacking"
        PULLING = "pulling"
        BUILDING = "building"
        PUSHING = "pushing"
        COMPLETE = "complete"
        ERROR = "error"
        CANCELLED = "cancelled"
        EXPIRED = "expired"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    repository = models.ForeignKey("registry.Repository", on_delete=models.CASCADE, related_name="builds")
    trigger = models.ForeignKey(
        BuildTrigger, null=True, blank=True, on_delete=models.SET_NULL, related_name="builds"
    )
    display_name = models.CharField(max_length=255)
    phase = models.CharField(max_length=16, choices=Phase.choices, default=Phase.WAITING)
    started = models.DateTimeField(auto_now_add=True)
    # {phase: ISO time it was entered}: every phase the build went through, timestamped.
    phase_times = models.JSONField(default=dict, blank=True)
    # {"kind": "archive", "resource_key": <filedrop id>} or
    # {"kind": "git", "url": ..., "ref": ..., "commit": ...} (the trigger holds the deploy key).
    source = models.JSONField()
    dockerfile_path = models.CharField(max_length=1024, default="Dockerfile")
    # The context directory inside the source, "/" for its root (Quay's "context"/"subdirectory").
    context = models.CharField(max_length=1024, default="/")
    build_args = models.JSONField(default=dict, blank=True)
    tags = models.JSONField(default=list, blank=True)
    pull_robot = models.ForeignKey(
        "orgs.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="pulling_builds"
    )
    trigger_metadata = models.JSONField(default=dict, blank=True)
    cancel_requested = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    # The executor running it ("local", "kubernetes"), and how many times one was started.
    executor = models.CharField(max_length=32, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Last sign of life from the executor or the agent: a running build silent past the
    # heartbeat timeout lost its executor and is retried.
    heartbeat = models.DateTimeField(null=True, blank=True)
    performer = models.ForeignKey(
        "orgs.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="requested_builds"
    )
    # host[:port] the request reached this registry at, where the builder pushes when
    # SERVER_HOSTNAME is not configured.
    registry_host = models.CharField(max_length=255, blank=True)
    logs_archived = models.BooleanField(default=False)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["repository", "-started"], name="build_repo_started"),
            # The manager's scans: builds not yet ended, by phase.
            models.Index(fields=["phase", "heartbeat"], name="build_phase_heartbeat"),
        ]

    def __str__(self) -> str:
        return f"build {self.uuid} ({self.phase})"

    @property
    def ended(self) -> bool:
        return self.phase in ENDED_PHASES


ENDED_PHASES = frozenset(
    {
        RepositoryBuild.Phase.COMPLETE,
        RepositoryBuild.Phase.ERROR,
        RepositoryBuild.Phase.CANCELLED,
        RepositoryBuild.Phase.EXPIRED,
    }
)


class BuildLogEntry(models.Model):
    class Kind(models.TextChoices):
        COMMAND = "command"
        PHASE = "phase"
        ERROR = "error"
        TEXT = "text"

    build = models.ForeignKey(RepositoryBuild, on_delete=models.CASCADE, related_name="log_entries")
    index = models.PositiveIntegerField()
    phase = models.CharField(max_length=16, choices=RepositoryBuild.Phase.choices)
    message = models.TextField()
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.TEXT)
    time = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["build", "index"], name="build_log_index_unique")]

    def __str__(self) -> str:
        return f"{self.build_id}#{self.index}"


class FileDrop(models.Model):
    """An uploaded build context (Quay's filedrop): a tarball or a lone Dockerfile, stored at
    registry.storage.paths.filedrop_path(file_id) once its PUT completes."""

    file_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    uploader = models.ForeignKey("orgs.User", null=True, on_delete=models.CASCADE, related_name="file_drops")
    mime_type = models.CharField(max_length=255, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    # Set when the PUT's bytes are stored; a build may use the file only then.
    uploaded = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.file_id)
