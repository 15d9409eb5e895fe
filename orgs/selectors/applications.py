"""Reads of an organization's OAuth applications."""

from __future__ import annotations

from orgs.errors import NotFound
from orgs.models import Organization, OrganizationApplication


def organization_application_list(*, organization: Organization) -> list[OrganizationApplication]:
    """By application name."""
    return list(
        OrganizationApplication.objects.filter(organization=organization)
        .select_related("application")
        .order_by("application__name", "pk")
    )


def organization_application_get(*, organization: Organization, client_id: str) -> OrganizationApplication:
    owned = (
        OrganizationApplication.objects.select_related("application", "organization__namespace")
        .filter(organization=organization, application__client_id=client_id)
        .first()
    )
    if owned is None:
        raise NotFound(f"no application {client_id!r} in {organization}")
    return owned
