"""Every mutating identity service writes one audit row, in its own transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest
from django.db import DatabaseError

import orgs.audit
import orgs.services.teams
from orgs.models import AuditLog, Team, User
from orgs.services import (
    NotPermitted,
    OwnersTeamProtected,
    app_token_create,
    app_token_revoke,
    organization_create,
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
    user_signup,
)
from registry.models import Repository
from registry.services.permissions import permission_delete, permission_set
from registry.services.repositories import repository_get_or_create
from tests.conftest import PASSWORD, Registry
from tests.orgs.conftest import repository_make, robot_make, team_make
from tests.registry.pushing import push_image

pytestmark = pytest.mark.django_db

T = TypeVar("T")


@pytest.fixture(autouse=True)
def audit_buffer_held(monkeypatch):
    """Registry events stay in the buffer: only the services' own rows reach the table."""
    monkeypatch.setattr(orgs.audit, "FLUSH_SECONDS", 3600.0)
    monkeypatch.setattr(orgs.audit, "BATCH_SIZE", orgs.audit.BUFFER_MAX)
    orgs.audit.audit_log_discard()
    yield
    orgs.audit.audit_log_discard()


def rows_written(action: Callable[[], object]) -> list[AuditLog]:
    last = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    action()
    return list(AuditLog.objects.filter(pk__gt=last).order_by("pk"))


def only_row(action: Callable[[], object]) -> AuditLog:
    return recorded(action)[0]


def recorded(action: Callable[[], T]) -> tuple[AuditLog, T]:
    """The one row ``action`` wrote, and what it returned."""
    results = []
    rows = rows_written(lambda: results.append(action()))
    assert len(rows) == 1, [row.kind for row in rows]
    return rows[0], results[0]


def where(row: AuditLog) -> tuple[str, str, str]:
    return row.performer_name, row.namespace_name, row.repository_name


@pytest.fixture
def root(db) -> User:
    return user_create(username="root", password=PASSWORD, superuser=True)


@pytest.fixture
def repository(acme) -> Repository:
    return repository_make(acme, "app")


# Users -----------------------------------------------------------------------------------------


def test_user_create_by_the_system_has_no_performer(db):
    row = only_row(lambda: user_create(username="dave", password=PASSWORD, email="dave@example.com"))
    assert row.kind == "user_create"
    assert row.namespace is not None
    assert (row.performer, row.namespace.name) == (None, "dave")
    assert row.metadata == {"username": "dave", "email": "dave@example.com"}


def test_user_create_by_a_superuser_names_them(root):
    row = only_row(lambda: user_create(username="dave", password=PASSWORD, actor=root))
    assert (row.kind, row.performer) == ("user_create", root)


def test_user_signup_is_performed_by_the_new_user(db, settings):
    settings.FEATURE_USER_CREATION = True
    row = only_row(lambda: user_signup(username="dave", password="a long enough passphrase 42"))
    assert row.performer is not None
    assert (row.kind, row.performer.username, row.namespace_name) == ("user_create", "dave", "dave")


def test_password_change_is_recorded_without_the_password(alice):
    row = only_row(lambda: user_password_change(user=alice, password="another passphrase 42", actor=alice))
    assert (row.kind, *where(row)) == ("user_change_password", "alice", "alice", "")
    assert row.metadata == {"username": "alice"}


def test_disabling_and_enabling_are_recorded(alice, root):
    disabled = only_row(lambda: user_set_active(user=alice, active=False, actor=root))
    enabled = only_row(lambda: user_set_active(user=alice, active=True, actor=root))
    assert (disabled.kind, enabled.kind) == ("user_disable", "user_enable")
    assert (disabled.performer, disabled.namespace_name, disabled.metadata) == (
        root,
        "alice",
        {"username": "alice"},
    )


def test_email_change_names_the_old_and_new_address(alice):
    user_set_email(user=alice, email="alice@old.example")
    row = only_row(lambda: user_set_email(user=alice, email="alice@new.example", actor=alice))
    assert (row.kind, row.performer) == ("user_change_email", alice)
    assert row.metadata == {
        "username": "alice",
        "email": "alice@new.example",
        "previous_email": "alice@old.example",
    }


# Organizations and teams -------------------------------------------------------------------------


def test_organization_create_is_performed_by_its_creator(alice):
    row = only_row(lambda: organization_create(name="acme", creator=alice, email="ops@acme.example"))
    assert (row.kind, *where(row)) == ("org_create", "alice", "acme", "")
    assert row.metadata == {"organization": "acme", "email": "ops@acme.example", "owners_team": "owners"}


def test_team_create_names_the_team_and_its_role(acme, alice):
    row = only_row(lambda: team_create(organization=acme, name="builders", role="creator", actor=alice))
    assert (row.kind, *where(row)) == ("org_create_team", "alice", "acme", "")
    assert row.metadata == {"team": "builders", "role": "creator"}


def test_team_delete_names_the_team(acme, alice):
    team = team_make(acme, "builders", Team.Role.MEMBER)
    row = only_row(lambda: team_delete(team=team, actor=alice))
    assert (row.kind, *where(row), row.metadata) == (
        "org_delete_team",
        "alice",
        "acme",
        "",
        {"team": "builders"},
    )


def test_team_role_change_names_the_old_and_new_role(acme, alice):
    team = team_make(acme, "builders", Team.Role.MEMBER)
    row = only_row(lambda: team_set_role(team=team, role="admin", actor=alice))
    assert (row.kind, row.performer, row.namespace_name) == ("org_set_team_role", alice, "acme")
    assert row.metadata == {"team": "builders", "role": "admin", "previous_role": "member"}


def test_team_member_add_and_remove_name_the_member(acme, alice, bob):
    team = team_make(acme, "builders", Team.Role.MEMBER)
    added = only_row(lambda: team_member_add(team=team, user=bob, actor=alice))
    removed = only_row(lambda: team_member_remove(team=team, user=bob, actor=alice))
    assert (added.kind, removed.kind) == ("org_add_team_member", "org_remove_team_member")
    for row in (added, removed):
        assert (*where(row), row.metadata) == ("alice", "acme", "", {"team": "builders", "member": "bob"})


# Robots and app tokens ---------------------------------------------------------------------------


def test_robot_create_names_the_robot_and_never_its_token(acme, alice):
    row, (_, token) = recorded(lambda: robot_create(namespace=acme.namespace, short_name="ci", actor=alice))
    assert (row.kind, *where(row)) == ("create_robot", "alice", "acme", "")
    assert row.metadata == {"robot": "acme+ci"}
    assert token not in str(row.metadata)


def test_robot_token_regeneration_and_delete_name_the_robot(acme, alice):
    robot, _ = robot_make(acme)
    regenerated = only_row(lambda: robot_token_regenerate(robot=robot, actor=alice))
    deleted = only_row(lambda: robot_delete(robot=robot, actor=alice))
    assert (regenerated.kind, deleted.kind) == ("regenerate_robot_token", "delete_robot")
    for row in (regenerated, deleted):
        assert (*where(row), row.metadata) == ("alice", "acme", "", {"robot": "acme+deployer"})


def test_app_token_create_and_revoke_name_the_token_not_its_secret(alice):
    row, (token, secret) = recorded(lambda: app_token_create(user=alice, title="laptop", actor=alice))
    revoked = only_row(lambda: app_token_revoke(token=token, actor=alice))
    assert (row.kind, revoked.kind) == ("create_app_specific_token", "revoke_app_specific_token")
    for logged in (row, revoked):
        assert (*where(logged), logged.metadata) == (
            "alice",
            "alice",
            "",
            {"username": "alice", "title": "laptop", "code": token.code},
        )
    assert secret[len(token.code) :] not in str(row.metadata)


# Repository permissions and defaults ---------------------------------------------------------------


def test_a_new_grant_is_added_then_changed(repository, alice, bob):
    added = only_row(lambda: permission_set(repository=repository, user=bob, role="read", actor=alice))
    changed = only_row(lambda: permission_set(repository=repository, user=bob, role="write", actor=alice))
    assert (added.kind, *where(added)) == ("add_repo_permission", "alice", "acme", "app")
    assert added.repository == repository
    assert added.metadata == {"user": "bob", "role": "read"}
    assert changed.kind == "change_repo_permission"
    assert changed.metadata == {"user": "bob", "role": "write", "previous_role": "read"}


def test_a_team_grant_names_the_team(repository, acme, alice):
    team = team_make(acme, "readers", Team.Role.MEMBER)
    row = only_row(lambda: permission_set(repository=repository, team=team, role="read", actor=alice))
    assert row.metadata == {"team": "readers", "role": "read"}


def test_a_grant_delete_names_the_grantee_and_the_role_it_had(repository, alice, bob):
    permission_set(repository=repository, user=bob, role="write")
    row = only_row(lambda: permission_delete(repository=repository, user=bob, actor=alice))
    assert (row.kind, *where(row)) == ("delete_repo_permission", "alice", "acme", "app")
    assert row.metadata == {"user": "bob", "role": "write"}


def test_prototype_create_and_delete_name_delegate_and_activating_user(acme, alice, bob):
    team = team_make(acme, "readers", Team.Role.MEMBER)
    row, prototype = recorded(
        lambda: prototype_create(
            organization=acme, role="read", delegate_team=team, activating_user=bob, actor=alice
        )
    )
    pk = prototype.pk
    deleted = only_row(lambda: prototype_delete(prototype=prototype, actor=alice))
    assert (row.kind, deleted.kind) == ("create_prototype_permission", "delete_prototype_permission")
    expected = {"prototype": pk, "role": "read", "delegate_team": "readers", "activating_user": "bob"}
    for logged in (row, deleted):
        assert (*where(logged), logged.metadata) == ("alice", "acme", "", expected)


def test_a_user_delegate_prototype_names_the_user(acme, alice, bob):
    row = only_row(lambda: prototype_create(organization=acme, role="write", delegate_user=bob, actor=alice))
    assert row.metadata["delegate_user"] == "bob"
    assert row.metadata["activating_user"] is None


# Repository creation -----------------------------------------------------------------------------


def test_repository_creation_is_performed_by_its_creator(acme, bob):
    team_make(acme, "builders", Team.Role.CREATOR, bob)
    row = only_row(lambda: repository_get_or_create(full_name="acme/new", creator=bob))
    assert (row.kind, *where(row)) == ("create_repo", "bob", "acme", "new")
    assert row.repository == Repository.objects.get(namespace=acme.namespace, name="new")
    assert row.metadata == {"repo": "new", "visibility": "private"}


def test_an_existing_repository_is_not_created_again(repository, alice):
    assert rows_written(lambda: repository_get_or_create(full_name="acme/app", creator=alice)) == []


def test_push_to_create_through_the_registry_records_one_creation(client, acme, alice):
    rows = rows_written(lambda: push_image(Registry(client, "alice"), "acme/pushed", "latest"))
    assert [(row.kind, *where(row)) for row in rows] == [("create_repo", "alice", "acme", "pushed")]


# Same transaction --------------------------------------------------------------------------------


def test_a_refused_action_writes_no_row(acme, bob):
    def refused() -> None:
        with pytest.raises(NotPermitted):
            team_create(organization=acme, name="builders", role="member", actor=bob)

    assert rows_written(refused) == []


def test_a_failed_action_writes_no_row(owners, alice):
    def failed() -> None:
        with pytest.raises(OwnersTeamProtected):
            team_member_remove(team=owners, user=alice, actor=alice)

    assert rows_written(failed) == []


def test_an_action_whose_record_fails_does_not_happen(acme, alice, monkeypatch):
    def failing_write(**_: object) -> None:
        raise DatabaseError("the audit table is unavailable")

    monkeypatch.setattr(orgs.services.teams, "audit_log_write", failing_write)
    with pytest.raises(DatabaseError):
        team_create(organization=acme, name="builders", role="member", actor=alice)
    assert not acme.teams.filter(name="builders").exists()
