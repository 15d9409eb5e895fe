"""Deleting an organization: its name is free at once; its images' bytes go through GC."""

from __future__ import annotations

from django.db import transaction

from orgs.audit import audit_log_write
from orgs.models import Organization, User
from orgs.services.authorization import require_namespace_admin
from registry.models import Repository
from registry.services.gc import gc_blobs_enqueue
from registry.services.repositories import repository_rows_delete


@transaction.atomic
def organization_delete(*, actor: User | None, organization: Organization) -> None:
    """Deletes the organization with its repositories, teams, robots and permissions (org
    admins only). Blobs its repositories alone held are collected by GC, which this queues."""
    namespace = organization.namespace
    require_namespace_admin(actor=actor, namespace=namespace)
    audit_log_write(
        kind="org_delete", performer=actor, namespace=namespace, metadata={"organization": namespace.name}
    )
    # Repositories go first, by pk, each under its own row lock, as a single deletion would.
    for repository in Repository.objects.filter(namespace=namespace).order_by("pk"):
        repository_rows_delete(repository=repository)
    # A robot is a user whose name carries the organization's; it would keep that name taken.
    User.objects.filter(robot__namespace=namespace).delete()
    # Cascades to the organization, its teams, memberships and default permissions.
    namespace.delete()
    gc_blobs_enqueue()
