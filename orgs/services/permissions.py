"""Writes for repository permissions and the organization defaults ("prototypes") new repositories get.

Changing a repository's grants needs admin of the repository from the ``actor``, changing the
defaults needs organization admin (None: the system). Each change is recorded in the audit log.
"""

from __future__ import annotations

from django.db import transaction

from orgs.audit import audit_log_write
from orgs.errors import InvalidInput
from orgs.models import DefaultPermission, Organization, RobotAccount, Team, User
from orgs.models.permissions import Role
from orgs.services.authorization import require_namespace_admin


def repository_role_validate(role: str) -> str:
    if role not in Role.values:
        raise InvalidInput(f"{role!r}: a repository role is one of {', '.join(Role.values)}")
    return role


def grantee_validate(*, namespace_id: int, user: User | None, team: Team | None) -> None:
    """Exactly one grantee; a team or robot only from the namespace the grant is about."""
    if (user is None) == (team is None):
        raise InvalidInput("a grant names exactly one user, robot or team")
    if team is not None and team.organization.namespace_id != namespace_id:
        raise InvalidInput(f"the team {team} belongs to another organization")
    if user is not None:
        robot = RobotAccount.objects.filter(user=user).first()
        if robot is not None and robot.namespace_id != namespace_id:
            raise InvalidInput(f"the robot {user} belongs to another namespace")


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
    repository_role_validate(role)
    grantee_validate(namespace_id=organization.namespace_id, user=delegate_user, team=delegate_team)
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
def prototype_set_role(
    *, prototype: DefaultPermission, role: str, actor: User | None = None
) -> DefaultPermission:
    """The role new repositories grant the delegate; repositories already created keep theirs."""
    namespace = prototype.organization.namespace
    require_namespace_admin(actor=actor, namespace=namespace)
    repository_role_validate(role)
    original_role = prototype.role
    prototype.role = role
    prototype.save(update_fields=["role"])
    audit_log_write(
        kind="modify_prototype_permission",
        performer=actor,
        namespace=namespace,
        metadata={**_prototype_metadata(prototype), "original_role": original_role},
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
