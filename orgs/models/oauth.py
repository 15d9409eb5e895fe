"""OAuth 2 applications owned by an organization, as in Quay: its administrators manage them."""

from __future__ import annotations

from django.db import models
from oauth2_provider.settings import oauth2_settings

from orgs.models.identity import Organization


class OrganizationApplication(models.Model):
    """Which organization owns a django-oauth-toolkit application (the toolkit's table is kept)."""

    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL, on_delete=models.CASCADE, related_name="owner"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="applications")
    # Quay's fields the toolkit's table lacks.
    description = models.TextField(blank=True)
    application_uri = models.CharField(max_length=2048, blank=True)
    avatar_email = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"{self.organization}: {self.application_id}"
