"""App-specific tokens: a user's extra passwords for CLIs and scripts, each revocable alone."""

from __future__ import annotations

from django.db import models

from orgs.models.identity import User


class AppToken(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="app_tokens")
    title = models.CharField(max_length=255)
    # The token's first characters, to find the row; the rest is kept only as a hash.
    code = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=128)
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField(null=True, blank=True)
    last_used = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user}: {self.title}"
