"""Teams: names, roles, members, and the owners team that always keeps an owner."""

from __future__ import annotations

import pytest

from orgs.models import Team, TeamMember
from orgs.selectors.identity import team_list
from orgs.services import (
    AlreadyTeamMember,
    InvalidInput,
    NameTaken,
    NotFound,
    OwnersTeamProtected,
    team_create,
    team_delete,
    team_member_add,
    team_member_remove,
    team_set_role,
)
from tests.orgs.conftest import robot_make, team_make

pytestmark = pytest.mark.django_db


def _members(team: Team) -> list[str]:
    return sorted(TeamMember.objects.filter(team=team).values_list("user__username", flat=True))


def test_team_is_created_with_its_role_and_description(acme, alice):
    team = team_create(
        organization=acme, name="builders", role=Team.Role.CREATOR, description="CI", actor=alice
    )
    stored = Team.objects.get(pk=team.pk)
    assert (stored.organization, stored.name, stored.role, stored.description) == (
        acme,
        "builders",
        "creator",
        "CI",
    )


def test_team_name_taken_in_the_organization_is_refused(acme):
    team_create(organization=acme, name="builders", role=Team.Role.MEMBER)
    with pytest.raises(NameTaken):
        team_create(organization=acme, name="builders", role=Team.Role.ADMIN)
    assert acme.teams.filter(name="builders").count() == 1


def test_the_same_team_name_may_exist_in_two_organizations(acme, globex):
    team_create(organization=acme, name="builders", role=Team.Role.MEMBER)
    assert team_create(organization=globex, name="builders", role=Team.Role.MEMBER).organization == globex


def test_a_second_owners_team_is_refused(acme):
    with pytest.raises(NameTaken):
        team_create(organization=acme, name="owners", role=Team.Role.ADMIN)


def test_team_with_an_unknown_role_is_refused(acme):
    with pytest.raises(InvalidInput):
        team_create(organization=acme, name="builders", role="superadmin")
    assert not acme.teams.filter(name="builders").exists()


def test_team_delete_removes_the_team_and_its_memberships(acme, bob):
    team = team_make(acme, "builders", Team.Role.MEMBER, bob)
    team_delete(team=team)
    assert not Team.objects.filter(pk=team.pk).exists()
    assert not TeamMember.objects.filter(user=bob).exists()


def test_the_owners_team_cannot_be_deleted(owners):
    with pytest.raises(OwnersTeamProtected):
        team_delete(team=owners)
    assert Team.objects.filter(pk=owners.pk).exists()


def test_team_role_change_is_stored(acme):
    team = team_make(acme, "builders", Team.Role.MEMBER)
    team_set_role(team=team, role=Team.Role.CREATOR)
    assert Team.objects.get(pk=team.pk).role == Team.Role.CREATOR


def test_team_role_change_to_an_unknown_role_is_refused(acme):
    team = team_make(acme, "builders", Team.Role.MEMBER)
    with pytest.raises(InvalidInput):
        team_set_role(team=team, role="owner")
    assert Team.objects.get(pk=team.pk).role == Team.Role.MEMBER


def test_the_owners_team_cannot_lose_its_admin_role(owners):
    with pytest.raises(OwnersTeamProtected):
        team_set_role(team=owners, role=Team.Role.MEMBER)
    assert Team.objects.get(pk=owners.pk).role == Team.Role.ADMIN


def test_a_user_joins_a_team(acme, bob):
    team = team_make(acme, "builders", Team.Role.MEMBER)
    team_member_add(team=team, user=bob)
    assert _members(team) == ["bob"]


def test_a_robot_of_the_organization_joins_its_team(acme):
    robot, _ = robot_make(acme)
    team = team_make(acme, "builders", Team.Role.MEMBER)
    team_member_add(team=team, user=robot.user)
    assert _members(team) == ["acme+deployer"]


def test_a_robot_of_another_organization_cannot_join(acme, globex):
    robot, _ = robot_make(globex)
    team = team_make(acme, "builders", Team.Role.MEMBER)
    with pytest.raises(InvalidInput):
        team_member_add(team=team, user=robot.user)
    assert _members(team) == []


def test_a_robot_of_a_user_cannot_join_an_organization_team(acme, alice):
    robot, _ = robot_make(alice)
    with pytest.raises(InvalidInput):
        team_member_add(team=acme.teams.get(name="owners"), user=robot.user)
    assert _members(acme.teams.get(name="owners")) == ["alice"]


def test_joining_a_team_twice_is_refused(acme, bob):
    team = team_make(acme, "builders", Team.Role.MEMBER, bob)
    with pytest.raises(AlreadyTeamMember):
        team_member_add(team=team, user=bob)
    assert _members(team) == ["bob"]


def test_a_member_leaves_a_team(acme, bob):
    team = team_make(acme, "builders", Team.Role.MEMBER, bob)
    team_member_remove(team=team, user=bob)
    assert _members(team) == []


def test_removing_a_non_member_is_refused(acme, bob):
    team = team_make(acme, "builders", Team.Role.MEMBER)
    with pytest.raises(NotFound):
        team_member_remove(team=team, user=bob)


def test_the_owners_team_cannot_lose_its_last_member(owners, alice):
    with pytest.raises(OwnersTeamProtected):
        team_member_remove(team=owners, user=alice)
    assert _members(owners) == ["alice"]


def test_an_owner_may_leave_while_another_owner_remains(owners, alice, bob):
    team_member_add(team=owners, user=bob)
    team_member_remove(team=owners, user=alice)
    assert _members(owners) == ["bob"]


def test_a_robot_left_alone_does_not_count_as_an_owner(acme, owners, alice):
    robot, _ = robot_make(acme)
    team_member_add(team=owners, user=robot.user)
    with pytest.raises(OwnersTeamProtected):
        team_member_remove(team=owners, user=alice)
    assert _members(owners) == ["acme+deployer", "alice"]


def test_a_robot_may_leave_the_owners_team(acme, owners):
    robot, _ = robot_make(acme)
    team_member_add(team=owners, user=robot.user)
    team_member_remove(team=owners, user=robot.user)
    assert _members(owners) == ["alice"]


def test_team_list_shows_the_organizations_teams_by_name(acme, globex):
    team_make(acme, "zeta", Team.Role.MEMBER)
    team_make(acme, "alpha", Team.Role.MEMBER)
    team_make(globex, "other", Team.Role.MEMBER)
    assert [team.name for team in team_list(organization=acme)] == ["alpha", "owners", "zeta"]
