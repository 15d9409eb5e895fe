"""Writes for teams: creation, roles and members, with the owners team's guarantees.

Each needs organization admin from its ``actor`` (None: the system) and records itself in the
audit log in its own transaction.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from orgs.audit import audit_log_write
from orgs.errors import AlreadyTeamMember, InvalidInput, NameTaken, NotFound, OwnersTeamProtected
from orgs.models import Organization, RobotAccount, Team, TeamMember, User
from orgs.names import team_name_validate
from orgs.revocation import role_lowered, team_members_revoke
from orgs.services.authorization import require_namespace_admin
from orgs.services.organizations import OWNERS_TEAM


def _role_check(role: str) -> str:
    if role not in Team.Role.values:
        raise InvalidInput(f"{role!r}: a team role is one of {', '.join(Team.Role.values)}")
    return role


def _team_lock(team: Team) -> Team:
    # Serializes member changes per team, so two removals cannot both see "another member is left".
    return Team.objects.select_for_update().select_related("organization__namespace").get(pk=team.pk)


def _audit(kind: str, *, team: Team, actor: User | None, **metadata: str) -> None:
    audit_log_write(
        kind=kind,
        performer=actor,
        namespace=team.organization.namespace,
        metadata={"team": team.name, **metadata},
    )


def team_create(
    *, organization: Organization, name: str, role: str, description: str = "", actor: User | None = None
) -> Team:
    require_namespace_admin(actor=actor, namespace=organization.namespace)
    team_name_validate(name)
    _role_check(role)
    try:
        with transaction.atomic():
            team = Team.objects.create(
                organization=organization, name=name, role=role, description=description
            )
            _audit("org_create_team", team=team, actor=actor, role=role)
    except IntegrityError:
        raise NameTaken(f"the organization {organization} already has a team {name!r}") from None
    return team


@transaction.atomic
def team_delete(*, team: Team, actor: User | None = None) -> None:
    require_namespace_admin(actor=actor, namespace=team.organization.namespace)
    if team.name == OWNERS_TEAM:
        raise OwnersTeamProtected("the owners team cannot be deleted")
    _audit("org_delete_team", team=team, actor=actor)
    team.delete()


@transaction.atomic
def team_set_role(*, team: Team, role: str, actor: User | None = None) -> Team:
    require_namespace_admin(actor=actor, namespace=team.organization.namespace)
    _role_check(role)
    if team.name == OWNERS_TEAM and role != Team.Role.ADMIN:
        raise OwnersTeamProtected("the owners team always has the admin role")
    previous_role = team.role
    team.role = role
    team.save(update_fields=["role"])
    if role_lowered(previous=previous_role, role=role):
        team_members_revoke(team_id=team.pk)
    _audit("org_set_team_role", team=team, actor=actor, role=role, previous_role=previous_role)
    return team


@transaction.atomic
def team_member_add(*, team: Team, user: User, actor: User | None = None) -> TeamMember:
    """Any user may join; a robot only the teams of its own organization."""
    team = _team_lock(team)
    require_namespace_admin(actor=actor, namespace=team.organization.namespace)
    robot = RobotAccount.objects.filter(user=user).first()
    if robot is not None and robot.namespace_id != team.organization.namespace_id:
        raise InvalidInput(f"the robot {user} does not belong to the organization {team.organization}")
    member, created = TeamMember.objects.get_or_create(team=team, user=user)
    if not created:
        raise AlreadyTeamMember(f"{user} is already a member of {team}")
    _audit("org_add_team_member", team=team, actor=actor, member=user.username)
    return member


@transaction.atomic
def team_member_remove(*, team: Team, user: User, actor: User | None = None) -> None:
    """The owners team keeps at least one person: a robot alone cannot administer the organization."""
    team = _team_lock(team)
    require_namespace_admin(actor=actor, namespace=team.organization.namespace)
    membership = TeamMember.objects.filter(team=team, user=user).first()
    if membership is None:
        raise NotFound(f"{user} is not a member of {team}")
    if team.name == OWNERS_TEAM:
        people_left = (
            TeamMember.objects.filter(team=team, user__robot__isnull=True).exclude(user=user).exists()
        )
        if not people_left:
            raise OwnersTeamProtected(f"{user} is the last owner of {team.organization}")
    membership.delete()
    _audit("org_remove_team_member", team=team, actor=actor, member=user.username)


@transaction.atomic
def team_set_description(*, team: Team, description: str, actor: User | None = None) -> Team:
    require_namespace_admin(actor=actor, namespace=team.organization.namespace)
    team.description = description
    team.save(update_fields=["description"])
    _audit("org_set_team_description", team=team, actor=actor, description=description)
    return team
