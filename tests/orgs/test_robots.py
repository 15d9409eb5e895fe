"""Robot accounts: named namespace+short_name, a token shown once, revoked at once."""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.auth import authenticate

from orgs.models import RepositoryPermission, RobotAccount, Team, TeamMember, User
from orgs.selectors.identity import robot_list
from orgs.services import (
    NameTaken,
    robot_create,
    robot_delete,
    robot_token_regenerate,
    robot_verify,
    team_member_add,
    user_set_active,
)
from registry.services.permissions import permission_set
from tests.orgs.conftest import repository_make, robot_make, team_make

pytestmark = pytest.mark.django_db


def test_robot_is_a_user_named_namespace_plus_short_name(acme):
    robot, _ = robot_create(namespace=acme.namespace, short_name="deployer", description="CD")
    user = User.objects.get(pk=robot.user_id)
    assert user.username == "acme+deployer"
    assert user.namespace is None
    assert (robot.namespace, robot.short_name, robot.description) == (acme.namespace, "deployer", "CD")


def test_a_user_may_own_robots_too(alice):
    robot, _ = robot_make(alice, "builder")
    assert robot.user.username == "alice+builder"
    assert robot.namespace == alice.namespace


def test_robot_token_is_64_characters_stored_only_as_its_hash(acme):
    robot, token = robot_make(acme)
    stored = RobotAccount.objects.get(pk=robot.pk).token_hash
    assert len(token) == 64
    assert token not in stored
    assert stored == hashlib.sha256(token.encode()).hexdigest()


def test_robot_has_no_usable_password(acme):
    robot, token = robot_make(acme)
    assert not robot.user.has_usable_password()
    assert authenticate(username="acme+deployer", password=token) is None


def test_robot_name_taken_in_the_namespace_is_refused(acme):
    robot_make(acme)
    with pytest.raises(NameTaken):
        robot_make(acme)
    assert RobotAccount.objects.count() == 1


def test_the_same_robot_name_may_exist_in_two_namespaces(acme, globex):
    robot_make(acme)
    assert robot_make(globex)[0].user.username == "globex+deployer"


def test_robot_logs_in_with_its_token(acme):
    robot, token = robot_make(acme)
    assert robot_verify(username="acme+deployer", token=token) == robot.user


def test_robot_login_with_a_wrong_token_fails(acme):
    robot_make(acme)
    assert robot_verify(username="acme+deployer", token="X" * 64) is None


def test_robot_token_does_not_log_in_another_robot(acme):
    _, token = robot_make(acme, "first")
    robot_make(acme, "second")
    assert robot_verify(username="acme+second", token=token) is None


def test_unknown_robot_login_fails(db):
    assert robot_verify(username="acme+ghost", token="X" * 64) is None


def test_a_plain_username_is_never_a_robot_login(alice):
    assert robot_verify(username="alice", token="correct horse battery") is None


def test_robot_login_costs_one_query(acme, django_assert_num_queries):
    _, token = robot_make(acme)
    with django_assert_num_queries(1):
        assert robot_verify(username="acme+deployer", token=token) is not None


def test_regenerated_token_replaces_the_old_one_at_once(acme):
    robot, old = robot_make(acme)
    new = robot_token_regenerate(robot=robot)
    assert new != old
    assert robot_verify(username="acme+deployer", token=old) is None
    assert robot_verify(username="acme+deployer", token=new) == robot.user


def test_regeneration_records_when_the_token_changed(acme):
    robot, _ = robot_make(acme)
    before = robot.token_rotated
    robot_token_regenerate(robot=robot)
    assert RobotAccount.objects.get(pk=robot.pk).token_rotated > before


def test_deleted_robot_cannot_log_in(acme):
    robot, token = robot_make(acme)
    robot_delete(robot=robot)
    assert robot_verify(username="acme+deployer", token=token) is None


def test_deleting_a_robot_removes_its_user_memberships_and_grants(acme):
    robot, _ = robot_make(acme)
    team = team_make(acme, "deployers", Team.Role.MEMBER, robot.user)
    permission_set(repository=repository_make(acme, "app"), user=robot.user, role="write")
    robot_delete(robot=robot)
    assert not User.objects.filter(username="acme+deployer").exists()
    assert not TeamMember.objects.filter(team=team).exists()
    assert not RepositoryPermission.objects.exists()


def test_disabled_robot_cannot_log_in(acme):
    robot, token = robot_make(acme)
    user_set_active(user=robot.user, active=False)
    assert robot_verify(username="acme+deployer", token=token) is None


def test_robot_list_shows_the_namespaces_robots_by_name(acme, globex):
    robot_make(acme, "zeta")
    robot_make(acme, "alpha")
    robot_make(globex, "other")
    assert [robot.user.username for robot in robot_list(namespace=acme.namespace)] == [
        "acme+alpha",
        "acme+zeta",
    ]


def test_robot_may_join_a_team_after_creation(acme, owners):
    robot, _ = robot_make(acme)
    team_member_add(team=owners, user=robot.user)
    assert TeamMember.objects.filter(team=owners, user=robot.user).exists()
