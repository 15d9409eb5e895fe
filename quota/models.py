from django.db import models


class NamespaceQuota(models.Model):
    """A namespace's storage limit (Quay's ``UserOrganizationQuota``): at most one per namespace."""

    namespace = models.OneToOneField("orgs.Namespace", on_delete=models.CASCADE, related_name="quota")
    limit_bytes = models.PositiveBigIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(limit_bytes__gt=0), name="quota_limit_positive")
        ]

    def __str__(self) -> str:
        return f"{self.namespace_id}: {self.limit_bytes} bytes"


class QuotaLimit(models.Model):
    """What happens to a push once usage passes ``threshold_percent`` of the quota's bytes."""

    class Kind(models.TextChoices):
        WARNING = "Warning"
        REJECT = "Reject"

    quota = models.ForeignKey(NamespaceQuota, on_delete=models.CASCADE, related_name="limits")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    threshold_percent = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(threshold_percent__gte=1, threshold_percent__lte=100),
                name="quota_limit_percent_range",
            ),
            models.UniqueConstraint(fields=["quota", "kind", "threshold_percent"], name="quota_limit_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} at {self.threshold_percent}%"


class RepositorySize(models.Model):
    """The bytes a repository keeps stored (see ``quota.accounting`` for what counts)."""

    repository = models.OneToOneField("registry.Repository", on_delete=models.CASCADE, related_name="size")
    namespace = models.ForeignKey("orgs.Namespace", on_delete=models.CASCADE, related_name="repository_sizes")
    total_bytes = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"repository {self.repository_id}: {self.total_bytes} bytes"


class NamespaceSize(models.Model):
    """The bytes a namespace keeps stored, a blob counted once however many repositories hold it.
    Its row lock serializes the accounting of one namespace's changes."""

    namespace = models.OneToOneField("orgs.Namespace", on_delete=models.CASCADE, related_name="size")
    total_bytes = models.BigIntegerField(default=0)
    # None until the backfill (quota.backfill) sized the namespace from scratch; until then
    # total_bytes holds only what the hooks added since the row appeared.
    sized_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The backfill's claim, and its whole cost once every namespace is sized.
            models.Index(
                fields=["id"], condition=models.Q(sized_at__isnull=True), name="quota_namespace_unsized"
            )
        ]

    def __str__(self) -> str:
        return f"namespace {self.namespace_id}: {self.total_bytes} bytes"


class QuotaEvent(models.Model):
    """A push that passed a namespace's Warning threshold or was refused at a Reject one, with the
    numbers at that moment; the notifications feature delivers these."""

    class Kind(models.TextChoices):
        WARNING = "quota_warning"
        ERROR = "quota_error"

    namespace = models.ForeignKey("orgs.Namespace", on_delete=models.CASCADE, related_name="quota_events")
    # Null when the refused push was the one creating the repository: its rollback took the row.
    repository = models.ForeignKey(
        "registry.Repository", null=True, on_delete=models.SET_NULL, related_name="quota_events"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    created = models.DateTimeField(auto_now_add=True)
    usage_bytes = models.BigIntegerField()
    limit_bytes = models.BigIntegerField()
    threshold_percent = models.PositiveSmallIntegerField()

    class Meta:
        indexes = [models.Index(fields=["namespace", "created"], name="quota_event_namespace_created")]

    def __str__(self) -> str:
        return (
            f"{self.kind} for namespace {self.namespace_id}: {self.usage_bytes} of {self.limit_bytes} bytes"
        )


class RegistrySizeCalculation(models.Model):
    """Quay's registry size calculation, one row: when a recomputation of every namespace's
    totals was last asked for, started and finished, and the drift it corrected."""

    queued = models.DateTimeField(null=True, blank=True)
    started = models.DateTimeField(null=True, blank=True)
    completed = models.DateTimeField(null=True, blank=True)
    drift_bytes = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"registry size calculation completed {self.completed}"
