"""The registry's tables: repositories, content-addressed blobs, manifests, tags and uploads.

A blob is stored once per digest for the whole registry (``Blob``), with one placement per
storage location; repositories reach blobs through ``RepositoryBlob`` links and manifests,
so access is decided per repository while bytes are shared. Tags are history rows, as in Quay:
a row lives from ``start`` to ``end`` (open while ``end`` is null or in the future), so moving a
tag ends one row and starts another.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from orgs.models import Namespace, User


class Repository(models.Model):
    class State(models.TextChoices):
        NORMAL = "NORMAL"
        READ_ONLY = "READ_ONLY"
        MIRROR = "MIRROR"

    namespace = models.ForeignKey(Namespace, on_delete=models.CASCADE, related_name="repositories")
    name = models.CharField(max_length=255)
    is_public = models.BooleanField(default=False)
    state = models.CharField(max_length=16, choices=State.choices, default=State.NORMAL)
    # In MIRROR state only this robot may push; the mirroring feature names it.
    mirror_robot = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="mirrored_repositories"
    )
    description = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    # When GC should next visit (registry.services.gc_due): now after a change, else when the
    # earliest ended tag row leaves the time machine or the grace of a push runs out; null when
    # nothing here can become garbage without another change. The periodic pass visits only
    # repositories that are due.
    gc_due = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name_plural = "repositories"
        constraints = [models.UniqueConstraint(fields=["namespace", "name"], name="repository_unique_name")]

    def __str__(self) -> str:
        return f"{self.namespace.name}/{self.name}"


class RepositoryStar(models.Model):
    """A user's star on a repository, for their starred list (Quay's ``Star``)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="repository_stars")
    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="stars")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "repository"], name="repository_star_unique")]

    def __str__(self) -> str:
        return f"{self.user} ★ {self.repository}"


class Blob(models.Model):
    # 255: sha512 digests are 135 characters; registry.digests.DIGEST_MAX bounds what arrives.
    digest = models.CharField(max_length=255, unique=True)
    size = models.BigIntegerField()
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.digest


class BlobPlacement(models.Model):
    blob = models.ForeignKey(Blob, on_delete=models.CASCADE, related_name="placements")
    location = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["blob", "location"], name="blob_placement_unique")]


class BlobReplication(models.Model):
    """The blob must still be copied to ``location``: the durable replication queue.

    A worker claims a row by moving ``next_attempt`` past its lease (under SKIP LOCKED), so a
    worker that dies mid-copy only delays the row until the lease ends; the row is deleted in
    the transaction that records the new placement.
    """

    blob = models.ForeignKey(Blob, on_delete=models.CASCADE, related_name="replications")
    location = models.CharField(max_length=64)
    created = models.DateTimeField(default=timezone.now)
    next_attempt = models.DateTimeField(default=timezone.now)
    attempts = models.IntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["next_attempt"], name="blob_replication_due")]
        constraints = [models.UniqueConstraint(fields=["blob", "location"], name="blob_replication_unique")]

    def __str__(self) -> str:
        return f"{self.blob_id} -> {self.location}"


class NamespaceStorage(models.Model):
    """A namespace's own location set (a tenant's bucket): its blobs land and stay there."""

    namespace = models.OneToOneField(Namespace, on_delete=models.CASCADE, related_name="storage")
    locations = models.JSONField()
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "namespace storage"

    def __str__(self) -> str:
        return f"{self.namespace.name}: {', '.join(self.locations)}"


class RepositoryBlob(models.Model):
    """The repository holds this blob: uploaded or mounted into it, or referenced by a manifest."""

    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="blob_links")
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="repository_links")
    created = models.DateTimeField(auto_now_add=True)
    # Renewed by every upload or mount of the blob into the repository: GC keeps a link no
    # manifest references until PUSH_TEMP_TAG_EXPIRATION_SEC after this, so a push in progress
    # can still reference it.
    touched = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["repository", "blob"], name="repository_blob_unique")]


class Manifest(models.Model):
    """A manifest's exact pushed bytes; they are small, so they live in the database."""

    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="manifests")
    digest = models.CharField(max_length=255)
    media_type = models.CharField(max_length=255)
    artifact_type = models.CharField(max_length=255, blank=True)
    content = models.BinaryField()
    size = models.IntegerField()
    config_media_type = models.CharField(max_length=255, blank=True)
    subject_digest = models.CharField(max_length=255, blank=True, db_index=True)
    annotations = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    # Deleted by digest: no longer served, kept (with its ended tags) for the time machine until GC.
    deleted = models.DateTimeField(null=True, blank=True)
    blobs = models.ManyToManyField(Blob, through="ManifestBlob", related_name="manifests")
    children = models.ManyToManyField(
        "self", through="ManifestChild", symmetrical=False, related_name="parents"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["repository", "digest"], name="manifest_unique_digest")
        ]

    def __str__(self) -> str:
        return f"{self.repository}@{self.digest}"


class ManifestBlob(models.Model):
    manifest = models.ForeignKey(Manifest, on_delete=models.CASCADE)
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["manifest", "blob"], name="manifest_blob_unique")]


class ManifestChild(models.Model):
    """An index or manifest list names this child manifest of the same repository."""

    manifest = models.ForeignKey(Manifest, on_delete=models.CASCADE, related_name="child_links")
    child = models.ForeignKey(Manifest, on_delete=models.PROTECT, related_name="parent_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["manifest", "child"], name="manifest_child_unique")]


class Tag(models.Model):
    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=128)
    manifest = models.ForeignKey(Manifest, on_delete=models.PROTECT, related_name="tags")
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True)
    # Started by a restore from the time machine (Quay's "reversion").
    reversion = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["repository", "name", "end"], name="tag_repo_name_end")]
        constraints = [
            # At most one open-ended row per name; writers also lock the repository row.
            models.UniqueConstraint(
                fields=["repository", "name"], condition=Q(end__isnull=True), name="tag_one_open_row"
            )
        ]

    def __str__(self) -> str:
        return f"{self.repository}:{self.name}"


class Label(models.Model):
    """A key/value on a manifest: from the image config at push (``manifest``, immutable) or
    added through the API (``api``)."""

    class Source(models.TextChoices):
        MANIFEST = "manifest"
        API = "api"
        INTERNAL = "internal"

    uuid = models.CharField(max_length=36, unique=True)
    manifest = models.ForeignKey(Manifest, on_delete=models.CASCADE, related_name="labels")
    key = models.CharField(max_length=255)
    value = models.TextField()
    source_type = models.CharField(max_length=16, choices=Source.choices)
    media_type = models.CharField(max_length=32, default="text/plain")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["manifest", "key"], name="label_manifest_key")]

    def __str__(self) -> str:
        return f"{self.key}={self.value[:40]}"


class BlobUpload(models.Model):
    """An upload in progress. Its state lives here and in storage, never in one process."""

    uuid = models.CharField(max_length=36, unique=True)
    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="uploads")
    location = models.CharField(max_length=64)
    offset = models.BigIntegerField(default=0)
    segments = models.IntegerField(default=0)
    hash_state = models.BinaryField(null=True)
    # What hash_state runs: sha256 unless POST named another with ?digest-algorithm=.
    digest_algorithm = models.CharField(max_length=16, default="sha256")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True, db_index=True)


class SigningKey(models.Model):
    """Keys that sign registry tokens; kept in the database so every instance verifies them."""

    kid = models.CharField(max_length=64, unique=True)
    private_pem = models.TextField()
    created = models.DateTimeField(auto_now_add=True)


class GCRun(models.Model):
    """One garbage collection run: what it deleted, or with dry_run what it would have deleted."""

    started = models.DateTimeField(default=timezone.now, db_index=True)
    finished = models.DateTimeField(null=True, blank=True)
    dry_run = models.BooleanField(default=False)
    # Empty for a run over every repository.
    repository_name = models.CharField(max_length=600, blank=True)
    repositories = models.IntegerField(default=0)
    repositories_skipped = models.IntegerField(default=0)
    repositories_failed = models.IntegerField(default=0)
    tags_deleted = models.IntegerField(default=0)
    manifests_deleted = models.IntegerField(default=0)
    blob_links_deleted = models.IntegerField(default=0)
    blobs_deleted = models.IntegerField(default=0)
    bytes_reclaimed = models.BigIntegerField(default=0)
    storage_errors = models.IntegerField(default=0)
    # Where a full run stopped (its time budget), so the next one goes on from there.
    last_repository_id = models.BigIntegerField(null=True, blank=True)
    # With dry_run: the tag, manifest and blob names it would delete (bounded).
    would_delete = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"GC {self.started:%Y-%m-%d %H:%M:%S}{' (dry run)' if self.dry_run else ''}"
