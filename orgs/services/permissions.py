"""Writes for repository permissions and the organization defaults ("prototypes") new repositories get.

Changing a repository's grants needs admin of the repository from the ``actor``, changing the
defaults needs organization admin (None: the system). Each change is recorded in the audit log.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from orgs.audit import audit_log_write
from orgs.errors import InvalidInput, NotFound
from orgs.models import DefaultPermission, Organization, RepositoryPermission, RobotAccount, Team, User
from orgs.models.permissions import Role
from orgs.revocation import credential_generation_bump, role_lowered, team_members_revoke
from orgs.selectors import ROLE_ORDER
from orgs.services.authorization import require_namespace_admin, require_repository_admin
from registry.models import Repository


def _role_check(role: str) -> str:
    if role not in Role.values:
        raise InvalidInput(f"{role!r}: a repository role is one of {', '.join(Role.values)}")
    return role


def _grantee_check(*, namespace_id: int, user: User | None, team: Team | None) -> None:
    """Exactly one grantee; a team or robot only from the namespace the grant is about."""
    if (user is None) == (team is None):
        raise InvalidInput("a grant names exactly one user, robot or team")
    if team is not None and team.organization.namespace_id != namespace_id:
        raise InvalidInput(f"the team {team} belongs to another organization")
    if user is not None:
        robot = RobotAccount.objects.filter(user=user).first()
        if robot is not None and robot.namespace_id != namespace_id:
            raise InvalidInput(f"the robot {user} belongs to another namespace")


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
    _role_check(role)
    _grantee_check(namespace_id=repository.namespace_id, user=user, team=team)
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


def _prototype_metadata(prototype: DefaultPermission) -> dict[str, str | int | None]:
    if prototype.delegate_team is not None:
        delegate = {"delegate_team": prototype.delegate_team.name}
    else:
        delegate = {"delegate_user": str(prototype.delegate_user)}
    activating = prototype.activating_user
    return {
        "prototype": prototype.pk,
        "role": prototype.role,
        **delegate,
        "activating_user": activating.username if activating is not None else None,
    }


@transaction.atomic
def prototype_create(
    *,
    organization: Organization,
    role: str,
    delegate_user: User | None = None,
    delegate_team: Team | None = None,
    activating_user: User | None = None,
    actor: User | None = None,
) -> DefaultPermission:
    """Every repository created in the organization from now on (by ``activating_user`` only, if
    given) grants the delegate ``role``."""
    require_namespace_admin(actor=actor, namespace=organization.namespace)
    _role_check(role)
    _grantee_check(namespace_id=organization.namespace_id, user=delegate_user, team=delegate_team)
    prototype = DefaultPermission.objects.create(
        organization=organization,
        role=role,
        delegate_user=delegate_user,
        delegate_team=delegate_team,
        activating_user=activating_user,
    )
    audit_log_write(
        kind="create_prototype_permission",
        performer=actor,
        namespace=organization.namespace,
        metadata=_prototype_metadata(prototype),
    )
    return prototype


@transaction.atomic
def prototype_delete(*, prototype: DefaultPermission, actor: User | None = None) -> None:
    namespace = prototype.organization.namespace
    require_namespace_admin(actor=actor, namespace=namespace)
    metadata = _prototype_metadata(prototype)
    prototype.delete()
    audit_log_write(
        kind="delete_prototype_permission", performer=actor, namespace=namespace, metadata=metadata
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
