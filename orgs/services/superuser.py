"""The superuser console's own writes on organizations."""

from __future__ import annotations

from django.db import transaction

from orgs.audit import audit_log_write
from orgs.models import Organization, Team, TeamMember, User
from orgs.services.authorization import require_superuser
from orgs.services.organizations import OWNERS_TEAM


@transaction.atomic
def organization_take_ownership(*, organization: Organization, actor: User) -> bool:
    """Puts the superuser ``actor`` in the organization's owners team, as Quay's take-ownership
    does, so they administer it without full-access mode. False when they already were there."""
    require_superuser(actor=actor)
    owners, _ = Team.objects.get_or_create(
        organization=organization, name=OWNERS_TEAM, defaults={"role": Team.Role.ADMIN}
    )
    _, added = TeamMember.objects.get_or_create(team=owners, user=actor)
    if added:
        audit_log_write(
            kind="take_ownership",
            performer=actor,
            namespace=organization.namespace,
            metadata={"namespace": organization.namespace.name, "was_user": False},
        )
    return added
