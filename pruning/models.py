"""Quay's auto-prune tables: the policies of a namespace and of its repositories, and one task
row per namespace that has any, which the workers claim in turn."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce


def _uuid() -> str:
    return str(uuid.uuid4())


class NamespaceAutoPrunePolicy(models.Model):
    """A policy over every repository of the namespace. ``policy``: Quay's JSON, ``method``,
    ``value``, ``tag_pattern`` and ``tag_pattern_matches`` (pruning.policies checks them)."""

    uuid = models.CharField(max_length=36, unique=True, default=_uuid)
    namespace = models.ForeignKey(
        "orgs.Namespace", on_delete=models.CASCADE, related_name="autoprune_policies"
    )
    policy = models.JSONField()

    def __str__(self) -> str:
        return f"{self.namespace_id}: {self.policy}"


class RepositoryAutoPrunePolicy(models.Model):
    """A policy over one repository; ``namespace`` lets a worker read a namespace's in one query."""

    uuid = models.CharField(max_length=36, unique=True, default=_uuid)
    repository = models.ForeignKey(
        "registry.Repository", on_delete=models.CASCADE, related_name="autoprune_policies"
    )
    namespace = models.ForeignKey(
        "orgs.Namespace", on_delete=models.CASCADE, related_name="repository_autoprune_policies"
    )
    policy = models.JSONField()

    def __str__(self) -> str:
        return f"{self.repository_id}: {self.policy}"


# The claim's order and condition: a task never run (null) counts as ran at the epoch, so one
# index range scan finds the task due longest, or nothing, without an OR.
TASK_DUE = Coalesce(F("last_ran_ms"), Value(0))


class AutoPruneTaskStatus(models.Model):
    """A namespace's place in the workers' rotation: when it was last claimed (ms since the
    epoch, null: never) and how its last run went (Quay's status text)."""

    namespace = models.OneToOneField(
        "orgs.Namespace", on_delete=models.CASCADE, related_name="autoprune_task"
    )
    last_ran_ms = models.BigIntegerField(null=True, blank=True)
    status = models.TextField(blank=True, default="queued")

    class Meta:
        indexes = [models.Index(TASK_DUE, name="autoprune_task_due")]

    def __str__(self) -> str:
        return f"{self.namespace_id}: {self.status}"
