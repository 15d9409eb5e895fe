"""The management services refuse an actor who may not act, and change nothing then.

The REST API will pass the requesting user as ``actor`` (Django's AnonymousUser without a
login); ``actor=None`` is the system, which the other service tests use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AnonymousUser

from orgs.models import (
    AuditLog,
    DefaultPermission,
    Namespace,
    Organization,
    RepositoryPermission,
    RobotAccount,
    Team,
    TeamMember,
    User,
)
from orgs.services import (
    NotPermitted,
    app_token_create,
    app_token_revoke,
    prototype_create,
    prototype_delete,
    robot_create,
    robot_delete,
    robot_token_regenerate,
    team_create,
    team_delete,
    team_member_add,
    team_member_remove,
    team_set_role,
    user_create,
    user_password_change,
    user_set_active,
    user_set_email,
)
from registry.models import Repository
from registry.services.permissions import permission_delete, permission_set
from tests.conftest import PASSWORD
from tests.orgs.conftest import repository_make, robot_make

pytestmark = pytest.mark.django_db

ALLOW, DENY = "allow", "deny"


@dataclass
class Scene:
    acme: Organization
    team: Team
    repository: Repository
    robot: RobotAccount
    prototype: DefaultPermission
    outsider: User
    member: User
    writer: User
    actors: dict[str, User | AnonymousUser]


def _person(username: str, **extra) -> User:
    return user_create(username=username, password=PASSWORD, **extra)


def _people_insert(*usernames: str) -> dict[str, User]:
    """Plain accounts as rows, one INSERT per table: every parametrized case builds the scene."""
    namespaces = Namespace.objects.bulk_create(
        Namespace(name=name, kind=Namespace.Kind.USER) for name in usernames
    )
    password = make_password(PASSWORD)
    users = User.objects.bulk_create(
        User(username=namespace.name, namespace=namespace, password=password) for namespace in namespaces
    )
    return {user.username: user for user in users}


@pytest.fixture(autouse=True)
def default_config(settings):
    settings.FEATURE_SUPERUSERS_FULL_ACCESS = False
    settings.SUPER_USERS = []


@pytest.fixture
def scene(acme, alice, bob, globex) -> Scene:
    """acme (alice owns it) has a team "builders" with one member, a repository app, a robot
    and a default permission; every other actor stands in some relation to them."""
    people = _people_insert(
        "teamadmin", "creator", "member", "repoadmin", "writer", "teamgrant", "disabled", "outsider", "root"
    )
    User.objects.filter(username="root").update(is_superuser=True)
    User.objects.filter(username="disabled").update(is_active=False)
    people["root"].is_superuser, people["disabled"].is_active = True, False
    repository = repository_make(acme, "app")
    teams = {
        team.name: team
        for team in Team.objects.bulk_create(
            Team(organization=acme, name=name, role=role)
            for name, role in [
                ("builders", Team.Role.MEMBER),
                ("admins", Team.Role.ADMIN),
                ("creators", Team.Role.CREATOR),
                ("granted", Team.Role.MEMBER),
            ]
        )
    }
    TeamMember.objects.bulk_create(
        TeamMember(team=teams[team], user=people[member])
        for team, member in [
            ("builders", "member"),
            ("admins", "teamadmin"),
            ("admins", "disabled"),
            ("creators", "creator"),
            ("granted", "teamgrant"),
        ]
    )
    RepositoryPermission.objects.bulk_create(
        [
            RepositoryPermission(repository=repository, user=people["repoadmin"], role="admin"),
            RepositoryPermission(repository=repository, user=people["writer"], role="write"),
            RepositoryPermission(repository=repository, user=people["disabled"], role="admin"),
            RepositoryPermission(repository=repository, team=teams["granted"], role="admin"),
        ]
    )
    robot, _ = robot_make(acme)
    prototype = DefaultPermission.objects.create(
        organization=acme, role="read", delegate_team=teams["builders"]
    )
    actors: dict[str, User | AnonymousUser] = {
        "org_admin": alice,
        "admin_team_member": people["teamadmin"],
        "creator_team_member": people["creator"],
        "team_member": people["member"],
        "repository_admin_grantee": people["repoadmin"],
        "admin_grant_through_a_team": people["teamgrant"],
        "write_grantee": people["writer"],
        "other_org_admin": bob,
        "superuser": people["root"],
        "disabled_org_admin": people["disabled"],
        "robot_of_the_org": robot.user,
        "anonymous": AnonymousUser(),
    }
    return Scene(
        acme,
        teams["builders"],
        repository,
        robot,
        prototype,
        people["outsider"],
        people["member"],
        people["writer"],
        actors,
    )


# Organization administration ----------------------------------------------------------------------

# An action takes the actor as Any: AnonymousUser is outside the services' types (views pass
# request_actor()), and they must refuse it all the same.
ORGANIZATION_ACTIONS: dict[str, Callable[[Scene, Any], object]] = {
    "team_create": lambda s, actor: team_create(organization=s.acme, name="new", role="member", actor=actor),
    "team_delete": lambda s, actor: team_delete(team=s.team, actor=actor),
    "team_set_role": lambda s, actor: team_set_role(team=s.team, role="creator", actor=actor),
    "team_member_add": lambda s, actor: team_member_add(team=s.team, user=s.outsider, actor=actor),
    "team_member_remove": lambda s, actor: team_member_remove(team=s.team, user=s.member, actor=actor),
    "prototype_create": lambda s, actor: prototype_create(
        organization=s.acme, role="write", delegate_user=s.outsider, actor=actor
    ),
    "prototype_delete": lambda s, actor: prototype_delete(prototype=s.prototype, actor=actor),
    "robot_create": lambda s, actor: robot_create(namespace=s.acme.namespace, short_name="new", actor=actor),
    "robot_token_regenerate": lambda s, actor: robot_token_regenerate(robot=s.robot, actor=actor),
    "robot_delete": lambda s, actor: robot_delete(robot=s.robot, actor=actor),
}
ORGANIZATION_ACTORS = {
    "org_admin": ALLOW,
    "admin_team_member": ALLOW,
    "creator_team_member": DENY,
    "team_member": DENY,
    "repository_admin_grantee": DENY,
    "other_org_admin": DENY,
    "superuser": DENY,
    "disabled_org_admin": DENY,
    "robot_of_the_org": DENY,
    "anonymous": DENY,
}

# Repository administration -------------------------------------------------------------------------

REPOSITORY_ACTIONS: dict[str, Callable[[Scene, Any], object]] = {
    "permission_set": lambda s, actor: permission_set(
        repository=s.repository, user=s.outsider, role="read", actor=actor
    ),
    "permission_delete": lambda s, actor: permission_delete(
        repository=s.repository, user=s.writer, actor=actor
    ),
}
REPOSITORY_ACTORS = {
    "org_admin": ALLOW,
    "admin_team_member": ALLOW,
    "repository_admin_grantee": ALLOW,
    "admin_grant_through_a_team": ALLOW,
    "creator_team_member": DENY,
    "write_grantee": DENY,
    "other_org_admin": DENY,
    "superuser": DENY,
    "disabled_org_admin": DENY,
    "anonymous": DENY,
}


def _outcome(action: Callable[[], object]) -> str:
    rows_before = AuditLog.objects.count()
    try:
        action()
    except NotPermitted:
        assert AuditLog.objects.count() == rows_before
        return DENY
    return ALLOW


@pytest.mark.parametrize("actor", ORGANIZATION_ACTORS)
@pytest.mark.parametrize("action", ORGANIZATION_ACTIONS)
def test_organization_administration(scene, action, actor):
    outcome = _outcome(lambda: ORGANIZATION_ACTIONS[action](scene, scene.actors[actor]))
    assert outcome == ORGANIZATION_ACTORS[actor]


@pytest.mark.parametrize("actor", REPOSITORY_ACTORS)
@pytest.mark.parametrize("action", REPOSITORY_ACTIONS)
def test_repository_administration(scene, action, actor):
    outcome = _outcome(lambda: REPOSITORY_ACTIONS[action](scene, scene.actors[actor]))
    assert outcome == REPOSITORY_ACTORS[actor]


@pytest.mark.parametrize("action", [*ORGANIZATION_ACTIONS, *REPOSITORY_ACTIONS])
def test_a_superuser_with_full_access_administers_everything(scene, action, settings):
    settings.FEATURE_SUPERUSERS_FULL_ACCESS = True
    run = ORGANIZATION_ACTIONS.get(action) or REPOSITORY_ACTIONS[action]
    assert _outcome(lambda: run(scene, scene.actors["superuser"])) == ALLOW


def test_a_refused_team_change_leaves_the_team_as_it_was(scene):
    with pytest.raises(NotPermitted):
        team_set_role(team=scene.team, role="admin", actor=scene.actors["team_member"])
    assert Team.objects.get(pk=scene.team.pk).role == Team.Role.MEMBER


# A user's own namespace ------------------------------------------------------------------------------


def test_a_user_manages_the_robots_of_their_namespace(alice):
    robot, _ = robot_create(namespace=alice.namespace, short_name="ci", actor=alice)
    robot_token_regenerate(robot=robot, actor=alice)
    robot_delete(robot=robot, actor=alice)
    assert not RobotAccount.objects.exists()


def test_another_user_cannot_manage_a_users_robots(alice, bob):
    robot, _ = robot_make(alice)
    with pytest.raises(NotPermitted):
        robot_create(namespace=alice.namespace, short_name="ci", actor=bob)
    with pytest.raises(NotPermitted):
        robot_delete(robot=robot, actor=bob)
    assert list(RobotAccount.objects.values_list("short_name", flat=True)) == ["deployer"]


def test_a_user_may_not_change_grants_in_another_users_namespace(alice, bob):
    repository = repository_make(alice, "app")
    with pytest.raises(NotPermitted):
        permission_set(repository=repository, user=bob, role="admin", actor=bob)
    assert not repository.permissions.exists()


# Accounts ------------------------------------------------------------------------------------------


@pytest.fixture
def root(db) -> User:
    return _person("root", superuser=True)


def test_only_a_superuser_creates_users(alice, root):
    with pytest.raises(NotPermitted):
        user_create(username="dave", password=PASSWORD, actor=alice)
    assert user_create(username="dave", password=PASSWORD, actor=root).username == "dave"


def test_a_superuser_named_in_config_counts_as_one(alice, bob, settings):
    settings.SUPER_USERS = ["bob"]
    user_set_active(user=alice, active=False, actor=bob)
    assert not User.objects.get(pk=alice.pk).is_active


def test_only_a_superuser_disables_a_user(alice, bob, root):
    with pytest.raises(NotPermitted):
        user_set_active(user=bob, active=False, actor=alice)
    assert User.objects.get(pk=bob.pk).is_active
    user_set_active(user=bob, active=False, actor=root)
    assert not User.objects.get(pk=bob.pk).is_active


def test_a_user_changes_their_own_password_and_email(alice):
    user_password_change(user=alice, password="another passphrase 42", actor=alice)
    user_set_email(user=alice, email="alice@example.com", actor=alice)
    stored = User.objects.get(pk=alice.pk)
    assert stored.check_password("another passphrase 42")
    assert stored.email == "alice@example.com"


def test_a_user_cannot_change_another_users_password_or_email(alice, bob):
    with pytest.raises(NotPermitted):
        user_password_change(user=bob, password="another passphrase 42", actor=alice)
    with pytest.raises(NotPermitted):
        user_set_email(user=bob, email="mine@example.com", actor=alice)
    stored = User.objects.get(pk=bob.pk)
    assert stored.check_password(PASSWORD)
    assert stored.email == ""


def test_a_superuser_resets_another_users_password(bob, root):
    user_password_change(user=bob, password="another passphrase 42", actor=root)
    assert User.objects.get(pk=bob.pk).check_password("another passphrase 42")


def test_a_disabled_user_cannot_change_their_own_email(alice):
    alice.is_active = False
    with pytest.raises(NotPermitted):
        user_set_email(user=alice, email="alice@example.com", actor=alice)


def test_app_tokens_are_created_only_by_their_owner(alice, root):
    with pytest.raises(NotPermitted):
        app_token_create(user=alice, title="laptop", actor=root)
    token, _ = app_token_create(user=alice, title="laptop", actor=alice)
    assert token.user == alice


def test_an_app_token_is_revoked_by_its_owner_or_a_superuser_only(alice, bob, root):
    first, _ = app_token_create(user=alice, title="laptop", actor=alice)
    second, _ = app_token_create(user=alice, title="ci", actor=alice)
    with pytest.raises(NotPermitted):
        app_token_revoke(token=first, actor=bob)
    app_token_revoke(token=first, actor=alice)
    app_token_revoke(token=second, actor=root)
    assert not alice.app_tokens.exists()
