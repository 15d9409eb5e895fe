"""Reads for the organization pages: who belongs where, and what a robot may reach."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from orgs.models import Organization, RepositoryPermission, RobotAccount, Team, TeamMember, User


@dataclass(frozen=True)
class Member:
    user: User
    teams: list[str]
    is_robot: bool


def organization_members(*, organization: Organization) -> list[Member]:
    """Everyone in at least one of the organization's teams, by name, with their teams."""
    rows = (
        TeamMember.objects.filter(team__organization=organization)
        .select_related("user", "team")
        .order_by("user__username", "team__name")
    )
    members: dict[int, Member] = {}
    for row in rows:
        member = members.setdefault(row.user_id, Member(user=row.user, teams=[], is_robot=False))
        member.teams.append(row.team.name)
    robots = set(RobotAccount.objects.filter(user_id__in=members).values_list("user_id", flat=True))
    return [
        Member(user=member.user, teams=member.teams, is_robot=user_id in robots)
        for user_id, member in members.items()
    ]


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
