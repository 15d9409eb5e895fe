from __future__ import annotations

from django.db import models
from django.utils import timezone


class LayerIndex(models.Model):
    """What the built-in indexer found in one layer, kept by the layer's digest: a layer shared
    by many images (a common base) is read once."""

    digest = models.CharField(max_length=255, unique=True)
    indexer_version = models.PositiveSmallIntegerField()
    ok = models.BooleanField()
    reason = models.TextField(blank=True)
    # {"files": {path: {"kind", "packages" | "os"}}, "whiteouts": [...], "opaque": [...]}
    contents = models.JSONField(default=dict, blank=True)
    bytes_read = models.BigIntegerField(default=0)
    created = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.digest


class ManifestSecurity(models.Model):
    """One manifest's scan: queued at push, claimed by a worker, then its report."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        SCANNED = "scanned"
        FAILED = "failed"
        UNSUPPORTED = "unsupported"

    manifest = models.OneToOneField("registry.Manifest", on_delete=models.CASCADE, related_name="security")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    reason = models.TextField(blank=True)
    scanner = models.CharField(max_length=16, blank=True)
    # Built-in scanner: what is installed, kept so new vulnerability data re-matches without
    # reading a layer again. [{"kind", "name", "version", "source", "added_by", "path"}]
    packages = models.JSONField(default=list, blank=True)
    distribution = models.JSONField(default=dict, blank=True)
    # Quay's Features (each with its Vulnerabilities), as the API returns them.
    features = models.JSONField(default=list, blank=True)
    # The vulnerability data import the features were matched against (0: none yet).
    data_generation = models.BigIntegerField(default=0)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(default=timezone.now)
    scanned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "claimed_until"], name="secscan_due")]

    def __str__(self) -> str:
        return f"{self.manifest_id}: {self.status}"


class Advisory(models.Model):
    """One OSV record, as imported (``record``, for export) and as matched (its packages)."""

    osv_id = models.CharField(max_length=128, unique=True)
    modified = models.CharField(max_length=64, blank=True)
    summary = models.TextField(blank=True)
    severity = models.CharField(max_length=16, default="Unknown")
    link = models.CharField(max_length=1024, blank=True)
    record = models.JSONField()

    def __str__(self) -> str:
        return self.osv_id


class AffectedPackage(models.Model):
    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="affected")
    ecosystem = models.CharField(max_length=128)
    ecosystem_base = models.CharField(max_length=64)
    name = models.CharField(max_length=255)
    ranges = models.JSONField(default=list, blank=True)
    versions = models.JSONField(default=list, blank=True)
    # A severity the ecosystem gives this package (Debian's urgency, GHSA's level), else "".
    severity = models.CharField(max_length=16, blank=True)

    class Meta:
        indexes = [models.Index(fields=["ecosystem_base", "name"], name="secscan_affected_lookup")]

    def __str__(self) -> str:
        return f"{self.ecosystem}/{self.name}"


class VulnDataImport(models.Model):
    """One import of vulnerability data; the latest one's id is the data's generation, and a
    scan matched against an older generation is matched again."""

    source = models.CharField(max_length=1024)
    imported_at = models.DateTimeField(default=timezone.now)
    files = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.source} at {self.imported_at}"
