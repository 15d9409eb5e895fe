"""App-specific tokens: extra passwords per user, shown once, checked cheaply, revocable."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from orgs.models import AppToken
from orgs.selectors.identity import app_token_list
from orgs.services import (
    FeatureDisabled,
    InvalidInput,
    app_token_create,
    app_token_revoke,
    app_token_verify,
    user_set_active,
)
from tests.orgs.conftest import robot_make

pytestmark = pytest.mark.django_db


def test_token_is_a_looked_up_code_followed_by_a_hashed_secret(alice):
    row, token = app_token_create(user=alice, title="laptop")
    stored = AppToken.objects.get(pk=row.pk)
    assert len(token) == 64
    assert stored.code == token[:16]
    assert stored.secret_hash == hashlib.sha256(token[16:].encode()).hexdigest()
    assert (stored.user, stored.title, stored.expires, stored.last_used) == (alice, "laptop", None, None)


def test_token_logs_its_owner_in(alice):
    row, token = app_token_create(user=alice, title="laptop")
    assert app_token_verify(username="alice", token=token) == (alice, row)


def test_token_logs_in_with_the_app_placeholder_username(alice):
    _, token = app_token_create(user=alice, title="laptop")
    verified = app_token_verify(username="$app", token=token)
    assert verified is not None and verified[0] == alice


def test_token_does_not_log_in_another_username(alice, bob):
    _, token = app_token_create(user=alice, title="laptop")
    assert app_token_verify(username="bob", token=token) is None


def test_token_with_a_wrong_secret_fails(alice):
    _, token = app_token_create(user=alice, title="laptop")
    assert app_token_verify(username="alice", token=token[:16] + "X" * 48) is None


def test_token_with_an_unknown_code_fails(alice):
    _, token = app_token_create(user=alice, title="laptop")
    assert app_token_verify(username="alice", token="Y" * 16 + token[16:]) is None


def test_a_password_is_not_an_app_token(alice):
    assert app_token_verify(username="alice", token="correct horse battery") is None


def test_expired_token_fails(alice):
    row, token = app_token_create(user=alice, title="laptop", expires=timezone.now() + timedelta(days=1))
    AppToken.objects.filter(pk=row.pk).update(expires=timezone.now() - timedelta(seconds=1))
    assert app_token_verify(username="alice", token=token) is None


def test_token_before_its_expiry_works(alice):
    _, token = app_token_create(user=alice, title="ci", expires=timezone.now() + timedelta(days=1))
    assert app_token_verify(username="alice", token=token) is not None


def test_token_of_a_disabled_user_fails(alice):
    _, token = app_token_create(user=alice, title="laptop")
    user_set_active(user=alice, active=False)
    assert app_token_verify(username="alice", token=token) is None


def test_revoked_token_fails_at_once(alice):
    row, token = app_token_create(user=alice, title="laptop")
    app_token_revoke(token=row)
    assert app_token_verify(username="alice", token=token) is None
    assert not AppToken.objects.exists()


def test_first_use_records_last_used(alice):
    row, token = app_token_create(user=alice, title="laptop")
    app_token_verify(username="alice", token=token)
    assert AppToken.objects.get(pk=row.pk).last_used is not None


def test_a_second_use_within_a_minute_costs_one_query_and_no_write(alice, django_assert_num_queries):
    row, token = app_token_create(user=alice, title="laptop")
    app_token_verify(username="alice", token=token)
    first_use = AppToken.objects.get(pk=row.pk).last_used
    with django_assert_num_queries(1):
        app_token_verify(username="alice", token=token)
    assert AppToken.objects.get(pk=row.pk).last_used == first_use


def test_a_use_a_minute_later_moves_last_used(alice):
    row, token = app_token_create(user=alice, title="laptop")
    long_ago = timezone.now() - timedelta(minutes=2)
    AppToken.objects.filter(pk=row.pk).update(last_used=long_ago)
    app_token_verify(username="alice", token=token)
    last_used = AppToken.objects.get(pk=row.pk).last_used
    assert last_used is not None and last_used > long_ago


def test_creation_is_refused_when_app_tokens_are_switched_off(alice, settings):
    settings.FEATURE_APP_SPECIFIC_TOKENS = False
    with pytest.raises(FeatureDisabled):
        app_token_create(user=alice, title="laptop")
    assert not AppToken.objects.exists()


def test_existing_tokens_stop_working_when_app_tokens_are_switched_off(alice, settings):
    _, token = app_token_create(user=alice, title="laptop")
    settings.FEATURE_APP_SPECIFIC_TOKENS = False
    assert app_token_verify(username="alice", token=token) is None


def test_token_with_an_expiry_in_the_past_is_refused(alice):
    with pytest.raises(InvalidInput):
        app_token_create(user=alice, title="laptop", expires=timezone.now() - timedelta(minutes=1))
    assert not AppToken.objects.exists()


@pytest.mark.parametrize("title", ["", "   ", "t" * 256])
def test_token_without_a_usable_title_is_refused(alice, title):
    with pytest.raises(InvalidInput):
        app_token_create(user=alice, title=title)
    assert not AppToken.objects.exists()


def test_robots_get_no_app_tokens(acme):
    robot, _ = robot_make(acme)
    with pytest.raises(InvalidInput):
        app_token_create(user=robot.user, title="laptop")
    assert not AppToken.objects.exists()


def test_listing_shows_the_users_tokens_newest_first(alice, bob):
    app_token_create(user=alice, title="old")
    app_token_create(user=alice, title="new")
    app_token_create(user=bob, title="bobs")
    assert [token.title for token in app_token_list(user=alice)] == ["new", "old"]


def test_listing_never_contains_the_secret(alice):
    _, token = app_token_create(user=alice, title="laptop")
    listed = app_token_list(user=alice).values()[0]
    assert all(token[16:] not in str(value) for value in listed.values())
