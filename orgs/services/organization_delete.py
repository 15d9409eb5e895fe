"""Deleting an organization: its name is free at once; what apps keep in it goes through their
namespace_delete hooks (the registry's repositories: rows now, bytes through GC)."""

from __future__ import annotations

from django.db import transaction

from orgs import hooks
from orgs.audit import audit_log_write
from orgs.models import Organization, User
from orgs.services.authorization import require_namespace_admin


@transaction.atomic
def organization_delete(*, actor: User | None, organization: Organization) -> None:
    """Deletes the organization with its repositories, teams, robots and permissions (org
    admins only), after the apps' namespace_delete hooks removed what they keep in it."""
    namespace = organization.namespace
    require_namespace_admin(actor=actor, namespace=namespace)
    audit_log_write(
        kind="org_delete", performer=actor, namespace=namespace, metadata={"organization": namespace.name}
    )
    hooks.namespace_delete_run(namespace)
    # A robot is a user whose name carries the organization's; it would keep that name taken.
    User.objects.filter(robot__namespace=namespace).delete()
    # Cascades to the organization, its teams, memberships and default permissions.
    namespace.delete()
