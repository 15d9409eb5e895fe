"""The audit log: who did what, with which credential, where, from which address, and when."""

from __future__ import annotations

from django.db import models

from orgs.models.identity import Namespace, User


class AuditLog(models.Model):
    kind = models.CharField(max_length=64)
    performer = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Names are kept too, so the record outlives a deleted user, robot or repository.
    performer_name = models.CharField(max_length=255, blank=True)
    credential = models.CharField(max_length=64, blank=True)
    namespace = models.ForeignKey(
        Namespace, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    namespace_name = models.CharField(max_length=255, blank=True)
    repository = models.ForeignKey(
        "registry.Repository", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    repository_name = models.CharField(max_length=255, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created = models.DateTimeField(db_index=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["namespace", "created"], name="audit_namespace_time"),
            models.Index(fields=["repository", "created"], name="audit_repository_time"),
            models.Index(fields=["performer", "created"], name="audit_performer_time"),
        ]

    def __str__(self) -> str:
        return f"{self.created:%Y-%m-%d %H:%M:%S} {self.kind} by {self.performer_name or 'anonymous'}"
