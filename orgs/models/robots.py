"""Robot accounts: a User row named ``namespace+shortname`` with a token instead of a password.

Being a User lets a robot join teams and hold repository permissions like a person, as in Quay.
The token is stored only as a hash: it is shown at creation and regeneration, never again.
"""

from __future__ import annotations

from django.db import models

from orgs.models.identity import Namespace, User


class RobotAccount(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="robot")
    namespace = models.ForeignKey(Namespace, on_delete=models.CASCADE, related_name="robots")
    short_name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    token_hash = models.CharField(max_length=128)
    created = models.DateTimeField(auto_now_add=True)
    token_rotated = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["namespace", "short_name"], name="robot_unique_name")]

    def __str__(self) -> str:
        return f"{self.namespace.name}+{self.short_name}"
