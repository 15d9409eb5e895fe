"""Registry tokens honour revocation: what takes a credential or access away ends old tokens
within REGISTRY_TOKEN_RECHECK_SECONDS, not at their expiry. Most tests set the window to 0, so
the very next request is refused; the last ones check the window itself on a controlled clock."""

from __future__ import annotations

import pytest
from oauth2_provider.models import get_access_token_model

import registry.v2.tokens
from orgs.models import OrganizationApplication, Team, User
from orgs.oauth import oauth_token_generate
from orgs.services import (
    app_token_create,
    app_token_revoke,
    organization_create,
    robot_delete,
    robot_token_regenerate,
    team_create,
    team_member_add,
    team_member_remove,
    team_set_role,
    user_password_change,
    user_set_active,
)
from orgs.services.organization_delete import organization_delete
from registry.models import Repository
from registry.services.permissions import permission_delete, permission_set
from registry.services.repositories import repository_delete
from tests.conftest import Registry
from tests.orgs.conftest import robot_make
from tests.registry.pushing import push_image

pytestmark = pytest.mark.django_db
REPO = "acme/app"


@pytest.fixture(autouse=True)
def recheck_every_request(settings):
    settings.REGISTRY_TOKEN_RECHECK_SECONDS = 0


@pytest.fixture
def repository(as_alice, acme) -> Repository:
    push_image(as_alice, REPO, "v1")
    return Repository.objects.get(namespace__name="acme", name="app")


def pull(registry: Registry, token: str, repo: str = REPO):
    return registry.client.get(f"/v2/{repo}/manifests/v1", HTTP_AUTHORIZATION=f"Bearer {token}")


def push(registry: Registry, token: str, repo: str = REPO):
    return registry.client.post(f"/v2/{repo}/blobs/uploads/", HTTP_AUTHORIZATION=f"Bearer {token}")


def pull_token(registry: Registry, repo: str = REPO) -> str:
    token = registry.token(f"repository:{repo}:pull")
    assert pull(registry, token, repo).status_code == 200
    return token


def assert_refused(response) -> None:
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "UNAUTHORIZED"
    assert response["WWW-Authenticate"].startswith("Bearer ")


@pytest.fixture
def bob_reader(client, acme, bob, repository) -> Registry:
    """bob reads acme/app through a direct grant."""
    permission_set(repository=repository, role="read", user=bob)
    return Registry(client, "bob")


# The user and their credentials ----------------------------------------------------------------


def test_disabling_the_user_ends_their_token(as_alice, alice, repository):
    token = pull_token(as_alice)
    user_set_active(user=alice, active=False)
    assert_refused(pull(as_alice, token))


def test_changing_the_password_ends_tokens_from_the_old_one(as_alice, alice, repository):
    token = pull_token(as_alice)
    user_password_change(user=alice, password="another long password", actor=alice)
    assert_refused(pull(as_alice, token))


def test_deleting_the_user_ends_their_token(bob_reader, bob):
    token = pull_token(bob_reader)
    bob.delete()
    assert_refused(pull(bob_reader, token))


def test_regenerating_a_robot_token_ends_tokens_from_the_old_one(client, acme, repository):
    robot, secret = robot_make(acme)
    permission_set(repository=repository, role="read", user=robot.user)
    as_robot = Registry(client, robot.user.username, secret)
    token = pull_token(as_robot)
    robot_token_regenerate(robot=robot)
    assert_refused(pull(as_robot, token))


def test_deleting_a_robot_ends_its_token(client, acme, repository):
    robot, secret = robot_make(acme)
    permission_set(repository=repository, role="read", user=robot.user)
    as_robot = Registry(client, robot.user.username, secret)
    token = pull_token(as_robot)
    robot_delete(robot=robot)
    assert_refused(pull(as_robot, token))


def test_revoking_an_app_token_ends_registry_tokens_from_it(client, bob, bob_reader):
    row, secret = app_token_create(user=bob, title="laptop")
    as_bob = Registry(client, "bob", secret)
    token = pull_token(as_bob)
    app_token_revoke(token=row)
    assert_refused(pull(as_bob, token))


def test_revoking_an_oauth_token_ends_registry_tokens_from_it(client, alice, acme, repository):
    application = (
        get_access_token_model()
        ._meta.get_field("application")
        .related_model.objects.create(
            name="ci", user=alice, client_type="confidential", authorization_grant_type="authorization-code"
        )
    )
    OrganizationApplication.objects.create(application=application, organization=acme)
    row, secret = oauth_token_generate(application=application, user=alice, scopes=["repo:read"], actor=alice)
    as_oauth = Registry(client, "$oauthtoken", secret)
    token = pull_token(as_oauth)
    row.revoke()
    assert_refused(pull(as_oauth, token))


# Access taken away ------------------------------------------------------------------------------


def test_removing_a_team_member_ends_what_the_team_gave(client, alice, acme, bob, repository):
    team = team_create(organization=acme, name="readers", role="member")
    team_member_add(team=team, user=bob)
    permission_set(repository=repository, role="read", team=team)
    as_bob = Registry(client, "bob")
    token = pull_token(as_bob)
    team_member_remove(team=team, user=bob)
    assert_refused(pull(as_bob, token))


def test_deleting_a_team_grant_ends_its_members_tokens(client, acme, bob, repository):
    team = team_create(organization=acme, name="readers", role="member")
    team_member_add(team=team, user=bob)
    permission_set(repository=repository, role="read", team=team)
    as_bob = Registry(client, "bob")
    token = pull_token(as_bob)
    permission_delete(repository=repository, team=team)
    assert_refused(pull(as_bob, token))


def test_deleting_a_user_grant_ends_their_token(bob_reader, bob, repository):
    token = pull_token(bob_reader)
    permission_delete(repository=repository, user=bob)
    assert_refused(pull(bob_reader, token))


def test_lowering_a_grant_from_write_to_read_ends_the_push_token(client, bob, repository):
    permission_set(repository=repository, role="write", user=bob)
    as_bob = Registry(client, "bob")
    token = as_bob.token(f"repository:{REPO}:pull,push")
    assert push(as_bob, token).status_code == 202
    permission_set(repository=repository, role="read", user=bob)
    assert_refused(push(as_bob, token))


def test_raising_a_grant_leaves_tokens_alone(bob_reader, bob, repository):
    token = pull_token(bob_reader)
    permission_set(repository=repository, role="write", user=bob)
    assert pull(bob_reader, token).status_code == 200


def test_lowering_a_creator_team_to_member_ends_its_push_to_create_token(client, acme, bob):
    team = team_create(organization=acme, name="builders", role=Team.Role.CREATOR)
    team_member_add(team=team, user=bob)
    as_bob = Registry(client, "bob")
    token = as_bob.token("repository:acme/new:pull,push")
    assert push(as_bob, token, "acme/new").status_code == 202
    team_set_role(team=team, role=Team.Role.MEMBER)
    assert_refused(push(as_bob, token, "acme/new"))


def test_making_a_public_repository_private_ends_anonymous_tokens(anonymous, alice, acme, repository):
    repository.is_public = True
    repository.save()
    token = pull_token(anonymous)
    repository.is_public = False
    repository.save()
    assert_refused(pull(anonymous, token))


def test_making_a_public_repository_private_ends_a_readers_token_without_a_grant(as_bob, bob, repository):
    repository.is_public = True
    repository.save()
    token = pull_token(as_bob)
    repository.is_public = False
    repository.save()
    assert_refused(pull(as_bob, token))


# Repositories and namespaces re-created under the same name -----------------------------------


def test_a_recreated_repository_is_not_reachable_with_the_old_token(as_alice, alice, repository):
    token = pull_token(as_alice)
    repository_delete(repository=repository, actor=alice)
    push_image(as_alice, REPO, "v1")
    assert_refused(pull(as_alice, token))


def test_a_recreated_namespace_is_not_reachable_with_the_old_token(as_alice, alice, acme, repository):
    token = pull_token(as_alice)
    organization_delete(actor=alice, organization=acme)
    organization_create(name="acme", creator=alice)
    push_image(as_alice, REPO, "v1")
    assert_refused(pull(as_alice, token))


def test_the_token_names_the_repository_by_id(as_alice, repository):
    payload = registry.v2.tokens.token_verify(as_alice.token(f"repository:{REPO}:pull"), service="testserver")
    assert payload.repository_ids == {REPO: repository.pk}


# The window ---------------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch, settings) -> Clock:
    settings.REGISTRY_TOKEN_RECHECK_SECONDS = 5
    controlled = Clock()
    monkeypatch.setattr(registry.v2.tokens, "_clock", controlled)
    return controlled


def test_within_the_window_a_revoked_token_still_works_and_costs_no_query(
    clock, as_alice, alice, repository, django_assert_num_queries
):
    token = pull_token(as_alice)
    User.objects.filter(pk=alice.pk).update(is_active=False)
    clock.now += 4.9
    with django_assert_num_queries(1):
        assert pull(as_alice, token).status_code == 200


def test_once_the_window_passes_the_revoked_token_is_refused(
    clock, as_alice, alice, repository, django_assert_num_queries
):
    token = pull_token(as_alice)
    User.objects.filter(pk=alice.pk).update(is_active=False)
    clock.now += 5
    assert_refused(pull(as_alice, token))
    # And stays refused, without asking the database again.
    with django_assert_num_queries(0):
        assert_refused(pull(as_alice, token))


def test_a_current_token_is_checked_once_per_window(clock, as_alice, repository, django_assert_num_queries):
    token = pull_token(as_alice)
    clock.now += 5
    # The user row and the repository ids: two indexed lookups, then none for another window.
    with django_assert_num_queries(3):
        assert pull(as_alice, token).status_code == 200
    with django_assert_num_queries(1):
        assert pull(as_alice, token).status_code == 200
