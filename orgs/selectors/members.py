"""Reads about who belongs to an organization: members through teams, outside collaborators
through direct grants, the roles a user holds on a repository through each path, a team's
members and a robot's grants and teams."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from orgs.models import Organization, RepositoryPermission, RobotAccount, Team, TeamMember, User


@dataclass
class MemberView:
    user: User
    teams: list[str] = field(default_factory=list)
    repositories: list[str] = field(default_factory=list)


def _grants_in(organization: Organization, users: list[User] | None = None) -> list[RepositoryPermission]:
    grants = RepositoryPermission.objects.filter(
        repository__namespace_id=organization.namespace_id, user__isnull=False
    )
    if users is not None:
        grants = grants.filter(user__in=users)
    return list(grants.select_related("user__robot", "repository").order_by("repository__name", "pk"))


def organization_members(*, organization: Organization, include_robots: bool = False) -> list[MemberView]:
    """Everyone in a team of the organization with their teams and direct grants, by name.
    Two queries whatever the size of the organization."""
    memberships = (
        TeamMember.objects.filter(team__organization=organization)
        .select_related("user", "team")
        .order_by("user__username", "team__name")
    )
    if not include_robots:
        memberships = memberships.filter(user__robot__isnull=True)
    members: dict[int, MemberView] = {}
    for membership in memberships:
        members.setdefault(membership.user_id, MemberView(membership.user)).teams.append(membership.team.name)
    for grant in _grants_in(organization):
        if grant.user_id in members:
            members[grant.user_id].repositories.append(grant.repository.name)
    return list(members.values())


def is_namespace_member(*, user: User, namespace_id: int) -> bool:
    """Whether the user is in a team of the organization owning the namespace (never, for a
    user's own namespace)."""
    return TeamMember.objects.filter(user=user, team__organization__namespace_id=namespace_id).exists()


def organization_member_get(*, organization: Organization, user: User) -> MemberView | None:
    """The user's teams and grants in the organization; None when they are in no team (a robot of
    the organization counts without one)."""
    teams = list(
        TeamMember.objects.filter(team__organization=organization, user=user)
        .order_by("team__name")
        .values_list("team__name", flat=True)
    )
    is_own_robot = RobotAccount.objects.filter(user=user, namespace_id=organization.namespace_id).exists()
    if not teams and not is_own_robot:
        return None
    repositories = [grant.repository.name for grant in _grants_in(organization, [user])]
    return MemberView(user, teams, repositories)


def organization_member_ids(*, organization: Organization, users: list[User] | None = None) -> set[int]:
    """The ids of the users in a team of the organization (of ``users`` only, when given)."""
    members = TeamMember.objects.filter(team__organization=organization)
    if users is not None:
        members = members.filter(user__in=users)
    return set(members.values_list("user_id", flat=True))


def organization_collaborators(*, organization: Organization) -> list[MemberView]:
    """Users with a direct grant on a repository of the organization but in none of its teams."""
    in_teams = organization_member_ids(organization=organization)
    collaborators: dict[int, MemberView] = {}
    for grant in _grants_in(organization):
        # A robot's grants are its namespace's business, not an outside collaborator's.
        if grant.user_id in in_teams or hasattr(grant.user, "robot"):
            continue
        collaborators.setdefault(grant.user_id, MemberView(grant.user)).repositories.append(
            grant.repository.name
        )
    return sorted(collaborators.values(), key=lambda member: member.user.username)


def team_member_list(*, team: Team) -> QuerySet[User]:
    return User.objects.filter(teammember__team=team).order_by("username")


def robot_grant_list(*, robot: RobotAccount) -> QuerySet[RepositoryPermission]:
    """The robot's direct grants on repositories, by repository name."""
    return (
        RepositoryPermission.objects.filter(user=robot.user)
        .select_related("repository__namespace")
        .order_by("repository__name")
    )


def robot_team_names(*, robot: RobotAccount) -> list[str]:
    return list(
        TeamMember.objects.filter(user=robot.user).order_by("team__name").values_list("team__name", flat=True)
    )


@dataclass
class RobotReach:
    teams: list[str] = field(default_factory=list)
    repositories: list[str] = field(default_factory=list)


def robot_reach_in(*, namespace_id: int) -> dict[int, RobotReach]:
    """By robot user id: the teams each robot of the namespace is in and the repositories granted
    to it directly, by name. Two queries for all the namespace's robots."""
    reach: dict[int, RobotReach] = {}
    memberships = TeamMember.objects.filter(user__robot__namespace_id=namespace_id).order_by("team__name")
    for user_id, team in memberships.values_list("user_id", "team__name"):
        reach.setdefault(user_id, RobotReach()).teams.append(team)
    grants = RepositoryPermission.objects.filter(user__robot__namespace_id=namespace_id).order_by(
        "repository__name"
    )
    for user_id, repository in grants.values_list("user_id", "repository__name"):
        reach.setdefault(user_id, RobotReach()).repositories.append(repository)
    return reach
