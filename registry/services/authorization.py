"""The checks mutating repository services run on their ``actor`` (None: the system), beside
orgs.services.authorization's checks for namespaces and accounts."""

from __future__ import annotations

from orgs.errors import NotPermitted
from orgs.models import User
from registry.models import Repository
from registry.selectors.roles import repository_role


def require_repository_admin(*, actor: User | None, repository: Repository) -> None:
    if actor is not None and repository_role(user=actor, repository=repository) != "admin":
        raise NotPermitted(f"{actor} is not an administrator of the repository {repository}")


def require_repository_write(*, actor: User | None, repository: Repository) -> None:
    if actor is not None and repository_role(user=actor, repository=repository) not in ("write", "admin"):
        raise NotPermitted(f"{actor} may not write to the repository {repository}")
