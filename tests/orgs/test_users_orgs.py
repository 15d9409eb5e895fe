"""Users (sign-up, password, e-mail, enabling) and organizations (creation, owners)."""

from __future__ import annotations

import pytest

from orgs.models import Namespace, Organization, Team, TeamMember, User
from orgs.selectors.identity import is_superuser
from orgs.services import (
    FeatureDisabled,
    InvalidInput,
    NameTaken,
    NotPermitted,
    organization_create,
    user_create,
    user_password_change,
    user_set_active,
    user_set_email,
    user_signup,
)
from tests.orgs.conftest import robot_make

pytestmark = pytest.mark.django_db


def test_signup_creates_a_user_with_its_own_namespace():
    user = user_signup(username="dave", password="long enough pw", email="dave@example.com")
    assert user.namespace is not None
    assert user.namespace.kind == Namespace.Kind.USER
    assert user.namespace.name == "dave"
    assert user.check_password("long enough pw")
    assert user.email == "dave@example.com"


def test_signup_is_refused_when_user_creation_is_switched_off(settings):
    settings.FEATURE_USER_CREATION = False
    with pytest.raises(FeatureDisabled):
        user_signup(username="dave", password="long enough pw")
    assert not User.objects.exists()
    assert not Namespace.objects.exists()


def test_administrators_still_create_users_when_sign_up_is_switched_off(settings):
    settings.FEATURE_USER_CREATION = False
    assert user_create(username="dave", password="long enough pw").username == "dave"


def test_signup_refuses_a_short_password():
    with pytest.raises(InvalidInput):
        user_signup(username="dave", password="short")
    assert not User.objects.exists()


def test_signup_refuses_an_invalid_email():
    with pytest.raises(InvalidInput):
        user_signup(username="dave", password="long enough pw", email="not-an-address")
    assert not User.objects.exists()


def test_signup_refuses_an_email_another_user_has(alice):
    user_set_email(user=alice, email="shared@example.com")
    with pytest.raises(NameTaken):
        user_signup(username="dave", password="long enough pw", email="Shared@Example.com")
    assert not User.objects.filter(username="dave").exists()


def test_password_change_makes_the_new_password_work_and_the_old_one_fail(alice):
    user_password_change(user=alice, password="brand new password")
    alice.refresh_from_db()
    assert alice.check_password("brand new password")
    assert not alice.check_password("correct horse battery")


def test_password_change_refuses_a_short_password(alice):
    with pytest.raises(InvalidInput):
        user_password_change(user=alice, password="short")
    alice.refresh_from_db()
    assert alice.check_password("correct horse battery")


def test_disabling_a_user_stores_it_inactive(alice):
    user_set_active(user=alice, active=False)
    assert User.objects.get(pk=alice.pk).is_active is False


def test_enabling_a_disabled_user_stores_it_active(alice):
    user_set_active(user=alice, active=False)
    user_set_active(user=alice, active=True)
    assert User.objects.get(pk=alice.pk).is_active is True


def test_email_change_is_stored(alice):
    user_set_email(user=alice, email="alice@example.com")
    assert User.objects.get(pk=alice.pk).email == "alice@example.com"


def test_email_change_refuses_an_invalid_address(alice):
    with pytest.raises(InvalidInput):
        user_set_email(user=alice, email="alice at example")
    assert User.objects.get(pk=alice.pk).email == ""


def test_email_change_refuses_another_users_address(alice, bob):
    user_set_email(user=bob, email="bob@example.com")
    with pytest.raises(NameTaken):
        user_set_email(user=alice, email="bob@example.com")
    assert User.objects.get(pk=alice.pk).email == ""


def test_email_change_to_ones_own_address_is_accepted(alice):
    user_set_email(user=alice, email="alice@example.com")
    assert user_set_email(user=alice, email="ALICE@example.com").email == "ALICE@example.com"


def test_users_named_in_super_users_are_superusers(alice, settings):
    settings.SUPER_USERS = ["alice"]
    assert is_superuser(alice)


def test_users_flagged_superuser_are_superusers(db):
    assert is_superuser(user_create(username="root", password=None, superuser=True))


def test_ordinary_users_are_not_superusers(alice):
    assert not is_superuser(alice)


def test_a_disabled_superuser_is_not_a_superuser(alice, settings):
    settings.SUPER_USERS = ["alice"]
    user_set_active(user=alice, active=False)
    assert not is_superuser(alice)


def test_organization_creator_is_the_only_member_of_the_admin_owners_team(alice):
    organization = organization_create(name="acme", creator=alice)
    owners = Team.objects.get(organization=organization)
    assert (owners.name, owners.role) == ("owners", Team.Role.ADMIN)
    assert list(TeamMember.objects.filter(team=owners).values_list("user__username", flat=True)) == ["alice"]
    assert organization.namespace.kind == Namespace.Kind.ORGANIZATION


def test_organization_creation_is_refused_to_ordinary_users_when_reserved_to_superusers(alice, settings):
    settings.FEATURE_SUPERUSERS_ORG_CREATION_ONLY = True
    with pytest.raises(NotPermitted):
        organization_create(name="acme", creator=alice)
    assert not Organization.objects.exists()
    assert not Namespace.objects.filter(name="acme").exists()


def test_superusers_create_organizations_when_reserved_to_them(alice, settings):
    settings.FEATURE_SUPERUSERS_ORG_CREATION_ONLY = True
    settings.SUPER_USERS = ["alice"]
    assert organization_create(name="acme", creator=alice).namespace.name == "acme"


def test_a_robot_cannot_create_an_organization(alice):
    robot, _ = robot_make(alice)
    with pytest.raises(NotPermitted):
        organization_create(name="acme", creator=robot.user)
    assert not Organization.objects.exists()


def test_a_disabled_user_cannot_create_an_organization(alice):
    user_set_active(user=alice, active=False)
    with pytest.raises(NotPermitted):
        organization_create(name="acme", creator=alice)
    assert not Organization.objects.exists()
