"""Identity: namespaces shared by users and organizations, and organization teams.

Users and organizations share one namespace table so that a name is taken once, as in Quay,
and repositories hang off a namespace whatever its kind.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class Namespace(models.Model):
    class Kind(models.TextChoices):
        USER = "user"
        ORGANIZATION = "organization"

    name = models.CharField(max_length=255, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    created = models.DateTimeField(auto_now_add=True)
    # Quay's "time machine": how long ended tags stay restorable; null means DEFAULT_TAG_EXPIRATION.
    time_machine_seconds = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    namespace = models.OneToOneField(
        Namespace, null=True, blank=True, on_delete=models.PROTECT, related_name="user"
    )
    # Bumped whenever this user's registry tokens must stop (a robot token regenerated, an app or
    # OAuth token revoked, a team membership or permission taken away); tokens carry the value.
    credential_generation = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return self.username


class Organization(models.Model):
    namespace = models.OneToOneField(Namespace, on_delete=models.CASCADE, related_name="organization")
    email = models.EmailField(blank=True)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.namespace.name


class Team(models.Model):
    """Quay's team roles: member reads what it is granted, creator also creates, admin administers."""

    class Role(models.TextChoices):
        MEMBER = "member"
        CREATOR = "creator"
        ADMIN = "admin"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=255)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(User, through="TeamMember", related_name="teams")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="team_unique_name")]

    def __str__(self) -> str:
        return f"{self.organization}/{self.name}"


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE)
    user = models.ForeignKey(User, on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="team_member_unique")]
