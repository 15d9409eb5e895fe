"""Writes for repository permissions: grants changed by the repository's admins, and the grants a
repository gets when it is created (its creator, the organization's default permissions).

Each change is recorded in the audit log.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from orgs.audit import audit_log_write
from orgs.errors import InvalidInput, NotFound
from orgs.models import DefaultPermission, RepositoryPermission, Team, User
from orgs.models.permissions import Role
from orgs.revocation import credential_generation_bump, role_lowered, team_members_revoke
from orgs.selectors.identity import ROLE_ORDER
from orgs.services.permissions import grantee_validate, repository_role_validate
from registry.models import Repository
from registry.services.authorization import require_repository_admin


def _grantee(*, user: User | None, team: Team | None) -> dict[str, str]:
    """The grantee as the audit log names it."""
    return {"team": team.name} if team is not None else {"user": str(user)}


@transaction.atomic
def permission_set(
    *,
    repository: Repository,
    role: str,
    user: User | None = None,
    team: Team | None = None,
    actor: User | None = None,
) -> RepositoryPermission:
    """Grants or changes a role."""
    require_repository_admin(actor=actor, repository=repository)
    repository_role_validate(role)
    grantee_validate(namespace_id=repository.namespace_id, user=user, team=team)
    if user is not None and user.namespace_id == repository.namespace_id:
        raise InvalidInput(f"{user} owns the namespace and is always admin of its repositories")
    previous = (
        RepositoryPermission.objects.select_for_update()
        .filter(repository=repository, user=user, team=team)
        .values_list("role", flat=True)
        .first()
    )
    permission, _ = RepositoryPermission.objects.update_or_create(
        repository=repository, user=user, team=team, defaults={"role": role}
    )
    if role_lowered(previous=previous, role=role):
        if team is not None:
            team_members_revoke(team_id=team.pk)
        credential_generation_bump(user_ids=[user.pk if user else None])
    metadata = {**_grantee(user=user, team=team), "role": role}
    if previous is not None:
        metadata["previous_role"] = previous
    audit_log_write(
        kind="add_repo_permission" if previous is None else "change_repo_permission",
        performer=actor,
        repository=repository,
        metadata=metadata,
    )
    return permission


@transaction.atomic
def permission_delete(
    *, repository: Repository, user: User | None = None, team: Team | None = None, actor: User | None = None
) -> None:
    require_repository_admin(actor=actor, repository=repository)
    if (user is None) == (team is None):
        raise InvalidInput("a grant names exactly one user, robot or team")
    permission = (
        RepositoryPermission.objects.select_for_update()
        .filter(repository=repository, user=user, team=team)
        .first()
    )
    if permission is None:
        raise NotFound(f"{user or team} has no grant on {repository}")
    permission.delete()
    audit_log_write(
        kind="delete_repo_permission",
        performer=actor,
        repository=repository,
        metadata={**_grantee(user=user, team=team), "role": permission.role},
    )


def _defaults_for(*, repository: Repository, creator: User | None) -> dict[tuple[str, int], str]:
    """(kind, id) -> role. A prototype for this creator beats a general one for the same delegate,
    as in Quay; among equals the highest role wins."""
    activating = Q(activating_user__isnull=True)
    if creator is not None:
        activating |= Q(activating_user=creator)
    chosen: dict[tuple[str, int], tuple[bool, str]] = {}
    prototypes = DefaultPermission.objects.filter(
        activating, organization__namespace_id=repository.namespace_id
    )
    for prototype in prototypes:
        if prototype.delegate_team_id is not None:
            key = ("team", prototype.delegate_team_id)
        else:
            assert prototype.delegate_user_id is not None  # the table's check: a team or a user delegate
            key = ("user", prototype.delegate_user_id)
        rank = (prototype.activating_user_id is not None, prototype.role)
        held = chosen.get(key)
        if held is None or (rank[0], ROLE_ORDER[rank[1]]) > (held[0], ROLE_ORDER[held[1]]):
            chosen[key] = rank
    return {key: role for key, (_, role) in chosen.items()}


@transaction.atomic
def repository_defaults_apply(*, repository: Repository, creator: User | None) -> list[RepositoryPermission]:
    """Grants on a repository just created: admin to its creator (unless they own the namespace, as
    owners are admin anyway), then the organization's matching default permissions.

    The registry calls this right after creating a repository, so it records the creation too.
    """
    grants: dict[tuple[str, int], str] = _defaults_for(repository=repository, creator=creator)
    if creator is not None and creator.namespace_id != repository.namespace_id:
        grants[("user", creator.pk)] = Role.ADMIN
    audit_log_write(
        kind="create_repo",
        performer=creator,
        repository=repository,
        metadata={"repo": repository.name, "visibility": "public" if repository.is_public else "private"},
    )
    return RepositoryPermission.objects.bulk_create(
        [
            RepositoryPermission(
                repository=repository,
                user_id=grantee_id if kind == "user" else None,
                team_id=grantee_id if kind == "team" else None,
                role=role,
            )
            for (kind, grantee_id), role in grants.items()
        ]
    )
