"""Writes for organizations: creation, with its owners team."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from orgs.audit import audit_log_write
from orgs.errors import NotPermitted
from orgs.models import Namespace, Organization, RobotAccount, Team, TeamMember, User
from orgs.selectors import is_superuser
from orgs.services.namespaces import namespace_create

OWNERS_TEAM = "owners"


@transaction.atomic
def organization_create(*, name: str, creator: User, email: str = "") -> Organization:
    """The creator becomes the first member of the owners team, which administers the organization,
    and is the performer of its audit record."""
    if not creator.is_active or RobotAccount.objects.filter(user=creator).exists():
        raise NotPermitted("only an active user, not a robot, creates organizations")
    if settings.FEATURE_SUPERUSERS_ORG_CREATION_ONLY and not is_superuser(creator):
        raise NotPermitted("only superusers create organizations on this registry")
    namespace = namespace_create(name=name, kind=Namespace.Kind.ORGANIZATION)
    organization = Organization.objects.create(namespace=namespace, email=email)
    owners = Team.objects.create(organization=organization, name=OWNERS_TEAM, role=Team.Role.ADMIN)
    TeamMember.objects.create(team=owners, user=creator)
    audit_log_write(
        kind="org_create",
        performer=creator,
        namespace=namespace,
        metadata={"organization": name, "email": email, "owners_team": OWNERS_TEAM},
    )
    return organization
