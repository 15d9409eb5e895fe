"""Repository permissions, effective roles, visibility, and default permissions (prototypes)."""

from __future__ import annotations

import pytest

from orgs.models import DefaultPermission, RepositoryPermission, Team
from orgs.selectors.identity import may_create_repository, namespace_role, prototype_list
from orgs.services import (
    InvalidInput,
    NotFound,
    prototype_create,
    prototype_delete,
    team_member_add,
    user_set_active,
)
from registry.models import Repository
from registry.selectors.roles import permission_list, repositories_visible_to, repository_role
from registry.services.permissions import permission_delete, permission_set
from registry.services.repositories import repository_get_or_create
from tests.conftest import Registry
from tests.orgs.conftest import repository_make, robot_make, team_make
from tests.registry.pushing import push_image

pytestmark = pytest.mark.django_db


def _grants(repository: Repository) -> set[tuple[str, str]]:
    return {
        (permission.user.username if permission.user else f"team:{permission.team.name}", permission.role)
        for permission in RepositoryPermission.objects.filter(repository=repository)
    }


# Granting --------------------------------------------------------------------------------------


def test_permission_set_grants_a_user_a_role(acme, alice, bob):
    repository = repository_make(acme, "app")
    permission_set(repository=repository, user=bob, role="write", actor=alice)
    assert _grants(repository) == {("bob", "write")}


def test_permission_set_again_changes_the_role_in_place(acme, bob):
    repository = repository_make(acme, "app")
    permission_set(repository=repository, user=bob, role="write")
    permission_set(repository=repository, user=bob, role="read")
    assert _grants(repository) == {("bob", "read")}


def test_permission_set_grants_a_team_of_the_organization(acme):
    repository = repository_make(acme, "app")
    team = team_make(acme, "readers", Team.Role.MEMBER)
    permission_set(repository=repository, team=team, role="read")
    assert _grants(repository) == {("team:readers", "read")}


def test_a_team_of_another_organization_cannot_be_granted(acme, globex):
    team = team_make(globex, "readers", Team.Role.MEMBER)
    repository = repository_make(acme, "app")
    with pytest.raises(InvalidInput):
        permission_set(repository=repository, team=team, role="read")
    assert _grants(repository) == set()


def test_a_robot_of_the_namespace_can_be_granted(acme):
    robot, _ = robot_make(acme)
    repository = repository_make(acme, "app")
    permission_set(repository=repository, user=robot.user, role="write")
    assert _grants(repository) == {("acme+deployer", "write")}


def test_a_robot_of_another_namespace_cannot_be_granted(acme, globex):
    robot, _ = robot_make(globex)
    repository = repository_make(acme, "app")
    with pytest.raises(InvalidInput):
        permission_set(repository=repository, user=robot.user, role="read")
    assert _grants(repository) == set()


def test_the_namespace_owner_cannot_be_given_a_lesser_role(alice):
    repository = repository_make(alice, "app")
    with pytest.raises(InvalidInput):
        permission_set(repository=repository, user=alice, role="read")
    assert _grants(repository) == set()


@pytest.mark.parametrize("role", ["", "owner", "READ", "creator"])
def test_an_unknown_repository_role_is_refused(acme, bob, role):
    repository = repository_make(acme, "app")
    with pytest.raises(InvalidInput):
        permission_set(repository=repository, user=bob, role=role)
    assert _grants(repository) == set()


def test_a_grant_names_exactly_one_grantee(acme, bob):
    repository = repository_make(acme, "app")
    team = team_make(acme, "readers", Team.Role.MEMBER)
    with pytest.raises(InvalidInput):
        permission_set(repository=repository, role="read")
    with pytest.raises(InvalidInput):
        permission_set(repository=repository, user=bob, team=team, role="read")
    assert _grants(repository) == set()


def test_permission_delete_removes_the_grant(acme, bob):
    repository = repository_make(acme, "app")
    permission_set(repository=repository, user=bob, role="write")
    permission_delete(repository=repository, user=bob)
    assert _grants(repository) == set()


def test_permission_delete_of_a_missing_grant_is_refused(acme, bob):
    with pytest.raises(NotFound):
        permission_delete(repository=repository_make(acme, "app"), user=bob)


def test_permission_list_shows_teams_and_users_of_the_repository_only(acme, bob, carol):
    repository = repository_make(acme, "app")
    other = repository_make(acme, "other")
    permission_set(repository=repository, user=bob, role="read")
    permission_set(repository=repository, team=team_make(acme, "devs", Team.Role.MEMBER), role="write")
    permission_set(repository=other, user=carol, role="admin")
    assert [
        (p.team.name if p.team else p.user.username, p.role) for p in permission_list(repository=repository)
    ] == [
        ("devs", "write"),
        ("bob", "read"),
    ]


# Effective repository role ---------------------------------------------------------------------


def test_namespace_owner_is_admin_of_own_private_repository(alice):
    assert repository_role(user=alice, repository=repository_make(alice, "app")) == "admin"


def test_stranger_has_no_role_on_a_private_repository(alice, bob):
    assert repository_role(user=bob, repository=repository_make(alice, "app")) is None


def test_stranger_reads_a_public_repository(alice, bob):
    assert repository_role(user=bob, repository=repository_make(alice, "app", public=True)) == "read"


def test_anonymous_reads_a_public_repository(alice):
    assert repository_role(user=None, repository=repository_make(alice, "app", public=True)) == "read"


def test_anonymous_reads_nothing_when_anonymous_access_is_off(alice, settings):
    settings.FEATURE_ANONYMOUS_ACCESS = False
    assert repository_role(user=None, repository=repository_make(alice, "app", public=True)) is None


def test_a_user_still_reads_public_repositories_when_anonymous_access_is_off(alice, bob, settings):
    settings.FEATURE_ANONYMOUS_ACCESS = False
    assert repository_role(user=bob, repository=repository_make(alice, "app", public=True)) == "read"


def test_anonymous_has_no_role_on_a_private_repository(alice):
    assert repository_role(user=None, repository=repository_make(alice, "app")) is None


@pytest.mark.parametrize("role", ["read", "write", "admin"])
def test_direct_grant_gives_its_role(acme, bob, role):
    repository = repository_make(acme, "app")
    permission_set(repository=repository, user=bob, role=role)
    assert repository_role(user=bob, repository=repository) == role


@pytest.mark.parametrize("role", ["read", "write", "admin"])
def test_team_grant_gives_its_role_to_members(acme, bob, role):
    repository = repository_make(acme, "app")
    permission_set(repository=repository, team=team_make(acme, "devs", Team.Role.MEMBER, bob), role=role)
    assert repository_role(user=bob, repository=repository) == role


def test_team_grant_gives_nothing_to_non_members(acme, bob, carol):
    repository = repository_make(acme, "app")
    permission_set(repository=repository, team=team_make(acme, "devs", Team.Role.MEMBER, bob), role="write")
    assert repository_role(user=carol, repository=repository) is None


def test_the_highest_of_direct_and_team_grants_wins(acme, bob):
    repository = repository_make(acme, "app")
    permission_set(repository=repository, user=bob, role="read")
    permission_set(repository=repository, team=team_make(acme, "devs", Team.Role.MEMBER, bob), role="write")
    assert repository_role(user=bob, repository=repository) == "write"


def test_a_grant_above_read_wins_over_public_read(acme, bob):
    repository = repository_make(acme, "app", public=True)
    permission_set(repository=repository, user=bob, role="write")
    assert repository_role(user=bob, repository=repository) == "write"


def test_organization_admin_is_admin_of_every_organization_repository(acme, alice):
    assert repository_role(user=alice, repository=repository_make(acme, "app")) == "admin"


def test_member_of_an_admin_team_is_organization_admin(acme, bob):
    team_make(acme, "admins", Team.Role.ADMIN, bob)
    assert repository_role(user=bob, repository=repository_make(acme, "app")) == "admin"


def test_another_organizations_admin_has_no_role(acme, globex, bob):
    assert repository_role(user=bob, repository=repository_make(acme, "app")) is None


def test_organization_member_without_grants_has_no_role(acme, bob):
    team_make(acme, "devs", Team.Role.MEMBER, bob)
    assert repository_role(user=bob, repository=repository_make(acme, "app")) is None


def test_creator_team_member_without_grants_has_no_role_on_existing_repositories(acme, bob):
    team_make(acme, "builders", Team.Role.CREATOR, bob)
    assert repository_role(user=bob, repository=repository_make(acme, "app")) is None


def test_superuser_is_admin_everywhere_with_full_access(alice, bob, settings):
    settings.FEATURE_SUPERUSERS_FULL_ACCESS = True
    settings.SUPER_USERS = ["bob"]
    assert repository_role(user=bob, repository=repository_make(alice, "app")) == "admin"


def test_superuser_has_no_extra_role_without_full_access(alice, bob, settings):
    settings.FEATURE_SUPERUSERS_FULL_ACCESS = False
    settings.SUPER_USERS = ["bob"]
    assert repository_role(user=bob, repository=repository_make(alice, "app")) is None


def test_disabled_user_loses_its_grants(acme, bob):
    repository = repository_make(acme, "app")
    permission_set(repository=repository, user=bob, role="admin")
    user_set_active(user=bob, active=False)
    assert repository_role(user=bob, repository=repository) is None


def test_disabled_owner_loses_its_own_namespace(alice):
    repository = repository_make(alice, "app")
    user_set_active(user=alice, active=False)
    assert repository_role(user=alice, repository=repository) is None


def test_disabled_user_reads_public_repositories_only_as_anonymous_would(alice, bob, settings):
    repository = repository_make(alice, "app", public=True)
    user_set_active(user=bob, active=False)
    settings.FEATURE_ANONYMOUS_ACCESS = False
    assert repository_role(user=bob, repository=repository) is None


def test_robot_gets_its_direct_grant(acme):
    robot, _ = robot_make(acme)
    repository = repository_make(acme, "app")
    permission_set(repository=repository, user=robot.user, role="write")
    assert repository_role(user=robot.user, repository=repository) == "write"


def test_robot_gets_its_teams_grants(acme):
    robot, _ = robot_make(acme)
    repository = repository_make(acme, "app")
    permission_set(
        repository=repository, team=team_make(acme, "bots", Team.Role.MEMBER, robot.user), role="read"
    )
    assert repository_role(user=robot.user, repository=repository) == "read"


def test_robot_without_grants_has_no_role(acme):
    robot, _ = robot_make(acme)
    assert repository_role(user=robot.user, repository=repository_make(acme, "app")) is None


def test_robot_of_a_user_does_not_inherit_the_users_rights(alice):
    robot, _ = robot_make(alice)
    assert repository_role(user=robot.user, repository=repository_make(alice, "app")) is None


def test_deleted_robots_grants_are_gone_with_it(acme):
    robot, _ = robot_make(acme)
    repository = repository_make(acme, "app")
    permission_set(repository=repository, user=robot.user, role="write")
    robot.user.delete()
    assert _grants(repository) == set()


def test_repository_role_costs_at_most_one_query(acme, bob, django_assert_max_num_queries):
    repository = repository_make(acme, "app")
    permission_set(repository=repository, team=team_make(acme, "devs", Team.Role.MEMBER, bob), role="write")
    with django_assert_max_num_queries(1):
        assert repository_role(user=bob, repository=repository) == "write"


# Namespace roles --------------------------------------------------------------------------------


def test_owner_is_admin_of_own_namespace(alice):
    assert namespace_role(user=alice, namespace=alice.namespace) == "admin"


def test_nobody_else_has_a_role_in_a_user_namespace(alice, bob):
    assert namespace_role(user=bob, namespace=alice.namespace) is None


@pytest.mark.parametrize("role", ["member", "creator", "admin"])
def test_team_role_becomes_the_organization_role(acme, bob, role):
    team_make(acme, "crew", role, bob)
    assert namespace_role(user=bob, namespace=acme.namespace) == role


def test_the_highest_team_role_wins(acme, bob):
    team_make(acme, "crew", Team.Role.MEMBER, bob)
    team_make(acme, "builders", Team.Role.CREATOR, bob)
    assert namespace_role(user=bob, namespace=acme.namespace) == "creator"


def test_non_member_has_no_organization_role(acme, bob):
    assert namespace_role(user=bob, namespace=acme.namespace) is None


def test_superuser_with_full_access_administers_every_namespace(acme, bob, settings):
    settings.FEATURE_SUPERUSERS_FULL_ACCESS = True
    settings.SUPER_USERS = ["bob"]
    assert namespace_role(user=bob, namespace=acme.namespace) == "admin"


@pytest.mark.parametrize("role, allowed", [("member", False), ("creator", True), ("admin", True)])
def test_creators_and_admins_may_create_repositories(acme, bob, role, allowed):
    team_make(acme, "crew", role, bob)
    assert may_create_repository(user=bob, namespace=acme.namespace) is allowed


def test_owner_may_create_repositories_in_own_namespace(alice):
    assert may_create_repository(user=alice, namespace=alice.namespace)


def test_robot_in_a_creator_team_may_create_repositories(acme):
    robot, _ = robot_make(acme)
    team_make(acme, "builders", Team.Role.CREATOR, robot.user)
    assert may_create_repository(user=robot.user, namespace=acme.namespace)


def test_robot_of_a_user_may_not_create_repositories_in_its_namespace(alice):
    robot, _ = robot_make(alice)
    assert not may_create_repository(user=robot.user, namespace=alice.namespace)


def test_disabled_user_may_not_create_repositories(alice):
    user_set_active(user=alice, active=False)
    assert not may_create_repository(user=alice, namespace=alice.namespace)


# Visibility -------------------------------------------------------------------------------------


@pytest.fixture
def landscape(alice, bob, acme, globex):
    """Repositories of every kind, to see who sees which."""
    team = team_make(acme, "devs", Team.Role.MEMBER)
    granted_by_team = repository_make(acme, "team-granted")
    permission_set(repository=granted_by_team, team=team, role="read")
    granted_directly = repository_make(acme, "user-granted")
    for name in ("private", "user-granted-to-carol"):
        repository_make(acme, name)
    repository_make(alice, "own")
    repository_make(alice, "public", public=True)
    repository_make(globex, "hidden")
    return {"team": team, "direct": granted_directly}


def _visible(user) -> list[str]:
    return sorted(str(repository) for repository in repositories_visible_to(user=user))


def test_anonymous_sees_public_repositories(landscape):
    assert _visible(None) == ["alice/public"]


def test_anonymous_sees_nothing_when_anonymous_access_is_off(landscape, settings):
    settings.FEATURE_ANONYMOUS_ACCESS = False
    assert _visible(None) == []


def test_owner_and_organization_admin_sees_own_namespace_and_organization(landscape, alice):
    assert _visible(alice) == [
        "acme/private",
        "acme/team-granted",
        "acme/user-granted",
        "acme/user-granted-to-carol",
        "alice/own",
        "alice/public",
    ]


def test_user_sees_public_direct_and_team_grants_only(landscape, carol):
    team_member_add(team=landscape["team"], user=carol)
    permission_set(repository=landscape["direct"], user=carol, role="read")
    assert _visible(carol) == ["acme/team-granted", "acme/user-granted", "alice/public"]


def test_another_organizations_admin_sees_only_its_own_and_public(landscape, bob):
    assert _visible(bob) == ["alice/public", "globex/hidden"]


def test_superuser_with_full_access_sees_everything(landscape, carol, settings):
    settings.FEATURE_SUPERUSERS_FULL_ACCESS = True
    settings.SUPER_USERS = ["carol"]
    assert len(_visible(carol)) == Repository.objects.count()


def test_disabled_user_sees_what_anonymous_sees(landscape, alice):
    user_set_active(user=alice, active=False)
    assert _visible(alice) == ["alice/public"]


def test_robot_sees_only_its_grants_and_public(landscape, acme):
    robot, _ = robot_make(acme)
    permission_set(repository=landscape["direct"], user=robot.user, role="read")
    assert _visible(robot.user) == ["acme/user-granted", "alice/public"]


# Default permissions ----------------------------------------------------------------------------


def test_prototype_is_stored_with_its_delegate_and_activating_user(acme, bob, carol):
    prototype = prototype_create(organization=acme, role="write", delegate_user=bob, activating_user=carol)
    stored = DefaultPermission.objects.get(pk=prototype.pk)
    assert (stored.organization, stored.role, stored.delegate_user, stored.activating_user) == (
        acme,
        "write",
        bob,
        carol,
    )


def test_prototype_for_a_team_of_another_organization_is_refused(acme, globex):
    with pytest.raises(InvalidInput):
        prototype_create(organization=acme, role="read", delegate_team=team_make(globex, "devs", "member"))
    assert not DefaultPermission.objects.exists()


def test_prototype_for_a_robot_of_another_namespace_is_refused(acme, globex):
    robot, _ = robot_make(globex)
    with pytest.raises(InvalidInput):
        prototype_create(organization=acme, role="read", delegate_user=robot.user)
    assert not DefaultPermission.objects.exists()


def test_prototype_with_an_unknown_role_is_refused(acme, bob):
    with pytest.raises(InvalidInput):
        prototype_create(organization=acme, role="creator", delegate_user=bob)
    assert not DefaultPermission.objects.exists()


def test_prototype_names_exactly_one_delegate(acme, bob):
    with pytest.raises(InvalidInput):
        prototype_create(organization=acme, role="read")
    assert not DefaultPermission.objects.exists()


def test_prototype_delete_removes_it(acme, bob):
    prototype = prototype_create(organization=acme, role="read", delegate_user=bob)
    prototype_delete(prototype=prototype)
    assert not DefaultPermission.objects.exists()


def test_prototype_list_shows_the_organizations_prototypes_in_creation_order(acme, globex, bob, carol):
    prototype_create(organization=acme, role="read", delegate_user=bob)
    prototype_create(organization=acme, role="write", delegate_user=carol)
    prototype_create(organization=globex, role="admin", delegate_user=carol)
    assert [(p.delegate_user.username, p.role) for p in prototype_list(organization=acme)] == [
        ("bob", "read"),
        ("carol", "write"),
    ]


def test_new_repository_gets_a_general_team_prototype(acme, alice):
    team = team_make(acme, "readers", Team.Role.MEMBER)
    prototype_create(organization=acme, role="read", delegate_team=team)
    repository = repository_get_or_create(full_name="acme/app", creator=alice)
    assert _grants(repository) == {("team:readers", "read"), ("alice", "admin")}


def test_new_repository_gets_a_prototype_activated_by_its_creator(acme, alice, bob):
    prototype_create(organization=acme, role="write", delegate_user=bob, activating_user=alice)
    repository = repository_get_or_create(full_name="acme/app", creator=alice)
    assert ("bob", "write") in _grants(repository)


def test_prototype_activated_by_someone_else_does_not_apply(acme, alice, bob, carol):
    prototype_create(organization=acme, role="write", delegate_user=bob, activating_user=carol)
    repository = repository_get_or_create(full_name="acme/app", creator=alice)
    assert _grants(repository) == {("alice", "admin")}


def test_creator_specific_prototype_beats_the_general_one(acme, alice, bob):
    prototype_create(organization=acme, role="admin", delegate_user=bob)
    prototype_create(organization=acme, role="read", delegate_user=bob, activating_user=alice)
    repository = repository_get_or_create(full_name="acme/app", creator=alice)
    assert ("bob", "read") in _grants(repository)


def test_of_two_general_prototypes_the_higher_role_applies(acme, alice, bob):
    prototype_create(organization=acme, role="read", delegate_user=bob)
    prototype_create(organization=acme, role="write", delegate_user=bob)
    repository = repository_get_or_create(full_name="acme/app", creator=alice)
    assert ("bob", "write") in _grants(repository)


def test_general_prototypes_apply_without_a_known_creator(acme, bob):
    prototype_create(organization=acme, role="read", delegate_user=bob)
    repository = repository_get_or_create(full_name="acme/app")
    assert _grants(repository) == {("bob", "read")}


def test_creator_of_an_organization_repository_becomes_its_admin(acme, bob):
    team_make(acme, "builders", Team.Role.CREATOR, bob)
    repository = repository_get_or_create(full_name="acme/app", creator=bob)
    assert repository_role(user=bob, repository=repository) == "admin"
    assert _grants(repository) == {("bob", "admin")}


def test_owner_creating_in_own_namespace_gets_no_redundant_grant(alice):
    assert _grants(repository_get_or_create(full_name="alice/app", creator=alice)) == set()


def test_an_existing_repository_gets_no_defaults_again(acme, alice, bob):
    first = repository_get_or_create(full_name="acme/app", creator=alice)
    prototype_create(organization=acme, role="read", delegate_user=bob)
    again = repository_get_or_create(full_name="acme/app", creator=alice)
    assert again == first
    assert _grants(again) == {("alice", "admin")}


def test_other_organizations_prototypes_do_not_apply(acme, globex, alice, carol):
    prototype_create(organization=globex, role="read", delegate_user=carol)
    assert _grants(repository_get_or_create(full_name="acme/app", creator=alice)) == {("alice", "admin")}


# Through the token endpoint ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, actions",
    [("read", ["pull"]), ("write", ["pull", "push"]), ("admin", ["*", "delete", "pull", "push"])],
)
def test_token_endpoint_grants_the_actions_of_a_direct_grant(client, acme, bob, role, actions):
    permission_set(repository=repository_make(acme, "app"), user=bob, role=role)
    assert Registry(client, "bob").granted("repository:acme/app:pull,push,delete,*") == actions


def test_token_endpoint_grants_a_team_members_team_role(client, acme, bob):
    repository = repository_make(acme, "app")
    permission_set(repository=repository, team=team_make(acme, "devs", Team.Role.MEMBER, bob), role="write")
    assert Registry(client, "bob").granted("repository:acme/app:pull,push,delete") == ["pull", "push"]


def test_token_endpoint_refuses_push_to_create_to_a_plain_member(client, acme, bob):
    team_make(acme, "devs", Team.Role.MEMBER, bob)
    assert Registry(client, "bob").granted("repository:acme/new:pull,push") == []


def test_token_endpoint_allows_push_to_create_to_a_creator(client, acme, bob):
    team_make(acme, "builders", Team.Role.CREATOR, bob)
    assert Registry(client, "bob").granted("repository:acme/new:pull,push,delete") == ["pull", "push"]


def test_push_to_create_applies_default_permissions_with_the_pushing_user(client, acme, bob, carol):
    team_make(acme, "builders", Team.Role.CREATOR, bob)
    prototype_create(organization=acme, role="read", delegate_user=carol, activating_user=bob)
    push_image(Registry(client, "bob"), "acme/new", "v1")
    assert _grants(Repository.objects.get(name="new")) == {("bob", "admin"), ("carol", "read")}


def test_catalog_shows_a_granted_repository(client, acme, bob):
    permission_set(repository=repository_make(acme, "app"), user=bob, role="read")
    repository_make(acme, "secret")
    response = Registry(client, "bob").call("GET", "/v2/_catalog", scope="registry:catalog:*")
    assert response.json() == {"repositories": ["acme/app"]}
