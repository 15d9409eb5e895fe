"""Repository permissions for users, robots and teams, and organization default permissions."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from orgs.models.identity import Organization, Team, User


class Role(models.TextChoices):
    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


class RepositoryPermission(models.Model):
    """A direct grant on one repository to exactly one user (or robot) or team."""

    repository = models.ForeignKey(
        "registry.Repository", on_delete=models.CASCADE, related_name="permissions"
    )
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="permissions"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="permissions"
    )
    role = models.CharField(max_length=8, choices=Role.choices)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, team__isnull=True) | Q(user__isnull=True, team__isnull=False),
                name="permission_one_grantee",
            ),
            models.UniqueConstraint(
                fields=["repository", "user"], condition=Q(user__isnull=False), name="permission_unique_user"
            ),
            models.UniqueConstraint(
                fields=["repository", "team"], condition=Q(team__isnull=False), name="permission_unique_team"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.repository}: {self.user or self.team} {self.role}"


class DefaultPermission(models.Model):
    """Quay's prototype: every new repository of the organization grants ``delegate`` a role,
    optionally only when ``activating_user`` creates it."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="default_permissions"
    )
    activating_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="activating_prototypes"
    )
    delegate_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="delegated_prototypes"
    )
    delegate_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="prototypes"
    )
    role = models.CharField(max_length=8, choices=Role.choices)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(delegate_user__isnull=False, delegate_team__isnull=True)
                | Q(delegate_user__isnull=True, delegate_team__isnull=False),
                name="prototype_one_delegate",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization}: {self.delegate_user or self.delegate_team} {self.role}"
