"""Failed logins per address and account, shared by every instance through the database."""

from __future__ import annotations

from django.db import models


class LoginFailure(models.Model):
    key = models.CharField(max_length=320, unique=True)
    failures = models.IntegerField(default=0)
    last_failure = models.DateTimeField()
    blocked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.failures}"
