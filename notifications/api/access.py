"""Who may manage which notifications: a repository's admins its own, an organization's admins
the organization's (quota events)."""

from __future__ import annotations

from rest_framework.request import Request

from orgs.models import Namespace
from orgs.request_context import request_actor
from orgs.selectors.identity import organization_get
from orgs.services.authorization import require_namespace_admin
from registry.models import Repository
from registry.selectors.repositories import repository_get_readable
from registry.services.authorization import require_repository_admin


def repository_for_admin(request: Request, repository: str) -> Repository:
    found = repository_get_readable(user=request.user, full_name=repository).repository
    require_repository_admin(actor=request_actor(request), repository=found)
    return found


def organization_namespace_for_admin(request: Request, orgname: str) -> Namespace:
    namespace = organization_get(name=orgname).namespace
    require_namespace_admin(actor=request_actor(request), namespace=namespace)
    return namespace
