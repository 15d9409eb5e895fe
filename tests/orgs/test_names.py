"""Quay's name rules for users, organizations, teams and robots, and the namespace they share."""

from __future__ import annotations

import pytest

from orgs.models import Namespace, RobotAccount, Team, User
from orgs.services import (
    InvalidName,
    NamespaceTaken,
    NameTaken,
    organization_create,
    robot_create,
    team_create,
    user_create,
)

pytestmark = pytest.mark.django_db

BAD_NAMESPACES = [
    "",
    "a",
    "Alice",
    "al ice",
    "-alice",
    "alice-",
    "al--ice",
    "al..ice",
    "_alice",
    "alice+bot",
    "alice/bot",
    "ålice",
    "a" * 256,
]


@pytest.mark.parametrize("name", BAD_NAMESPACES)
def test_user_with_an_invalid_name_is_refused_and_nothing_is_stored(name):
    with pytest.raises(InvalidName):
        user_create(username=name, password="long enough pw")
    assert not User.objects.exists()
    assert not Namespace.objects.exists()


@pytest.mark.parametrize("name", ["ab", "a.b", "a_b-c9", "0day", "x" * 150])
def test_user_names_following_the_namespace_rule_are_accepted(name):
    namespace = user_create(username=name, password="long enough pw").namespace
    assert namespace is not None and namespace.name == name


def test_user_name_longer_than_the_username_column_is_refused():
    with pytest.raises(InvalidName):
        user_create(username="x" * 151, password="long enough pw")
    assert not Namespace.objects.exists()


@pytest.mark.parametrize("name", BAD_NAMESPACES)
def test_organization_with_an_invalid_name_is_refused_and_nothing_is_stored(alice, name):
    with pytest.raises(InvalidName):
        organization_create(name=name, creator=alice)
    assert list(Namespace.objects.values_list("name", flat=True)) == ["alice"]


def test_organization_name_may_use_the_full_namespace_length(alice):
    assert organization_create(name="o" * 255, creator=alice).namespace.name == "o" * 255


def test_organization_cannot_take_a_user_name(alice, bob):
    with pytest.raises(NamespaceTaken):
        organization_create(name="bob", creator=alice)
    assert Namespace.objects.get(name="bob").kind == Namespace.Kind.USER


def test_user_cannot_take_an_organization_name(acme):
    with pytest.raises(NamespaceTaken):
        user_create(username="acme", password="long enough pw")
    assert not User.objects.filter(username="acme").exists()


def test_organization_cannot_take_another_organization_name(acme, bob):
    with pytest.raises(NamespaceTaken):
        organization_create(name="acme", creator=bob)
    assert Namespace.objects.filter(name="acme").count() == 1


def test_user_cannot_take_another_user_name(alice):
    with pytest.raises(NamespaceTaken):
        user_create(username="alice", password="long enough pw")
    assert User.objects.filter(username="alice").count() == 1


def test_a_taken_name_is_also_a_name_taken_error(alice):
    with pytest.raises(NameTaken):
        user_create(username="alice", password="long enough pw")


@pytest.mark.parametrize(
    "name", ["", "a", "Dev", "1team", "dev-team", "dev_team", "dev.team", "dev team", "a" * 256]
)
def test_team_with_an_invalid_name_is_refused(acme, name):
    with pytest.raises(InvalidName):
        team_create(organization=acme, name=name, role=Team.Role.MEMBER)
    assert list(acme.teams.values_list("name", flat=True)) == ["owners"]


@pytest.mark.parametrize("name", ["ab", "dev2", "builders", "a" * 255])
def test_team_names_of_a_letter_then_letters_and_digits_are_accepted(acme, name):
    assert team_create(organization=acme, name=name, role=Team.Role.MEMBER).name == name


@pytest.mark.parametrize("short_name", ["", "a", "1bot", "Bot", "bot-x", "bot.x", "bot+x", "_bot", "b" * 256])
def test_robot_with_an_invalid_name_is_refused(acme, short_name):
    with pytest.raises(InvalidName):
        robot_create(namespace=acme.namespace, short_name=short_name)
    assert not RobotAccount.objects.exists()
    assert not User.objects.filter(username__contains="+").exists()


@pytest.mark.parametrize("short_name", ["ab", "b1", "deploy_bot", "ci_"])
def test_robot_names_of_a_letter_then_letters_digits_and_underscores_are_accepted(acme, short_name):
    robot, _ = robot_create(namespace=acme.namespace, short_name=short_name)
    assert robot.user.username == f"acme+{short_name}"


def test_robot_whose_full_name_exceeds_the_username_column_is_refused(alice):
    organization = organization_create(name="o" * 140, creator=alice)
    with pytest.raises(InvalidName):
        robot_create(namespace=organization.namespace, short_name="r" * 10)
    assert not RobotAccount.objects.exists()
