"""Failed logins slow down one address, for a while, never for good."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

import orgs.throttle
import registry.v2.auth
from orgs.models import LoginFailure
from orgs.throttle import (
    ADDRESS_FREE_FAILURES,
    FREE_FAILURES,
    MAX_BLOCK_SECONDS,
    WINDOW,
    login_failed,
    login_failures_expire,
    login_succeeded,
    login_throttle_check,
)
from tests.conftest import PASSWORD, basic_auth

pytestmark = pytest.mark.django_db
ATTACKER = "203.0.113.5"
ELSEWHERE = "198.51.100.7"


def login(client, username: str, password: str, ip: str = ATTACKER):
    return client.get(
        "/v2/auth",
        {"service": "testserver"},
        HTTP_AUTHORIZATION=basic_auth(username, password),
        REMOTE_ADDR=ip,
    )


class Clock:
    """A controlled clock for the throttle: time moves only when a test says so, so no wait it
    measures depends on how fast the machine runs the test."""

    def __init__(self) -> None:
        self.now = timezone.now()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture(autouse=True)
def clock(monkeypatch) -> Clock:
    controlled = Clock()
    # orgs.throttle reads the time only through its own ``clock`` seam.
    monkeypatch.setattr(orgs.throttle, "clock", controlled)
    return controlled


def fail(times: int, username: str = "alice", ip: str = ATTACKER) -> None:
    for _ in range(times):
        login_failed(ip=ip, username=username)


# The counters ----------------------------------------------------------------------------------


def test_the_free_failures_cost_nothing():
    fail(FREE_FAILURES)
    assert login_throttle_check(ip=ATTACKER, username="alice") == 0


def test_each_further_failure_doubles_the_wait():
    fail(FREE_FAILURES + 1)
    assert login_throttle_check(ip=ATTACKER, username="alice") == 2
    fail(2)
    assert login_throttle_check(ip=ATTACKER, username="alice") == 8


def test_the_wait_shrinks_as_time_passes(clock):
    fail(FREE_FAILURES + 2)
    clock.advance(1.5)
    assert login_throttle_check(ip=ATTACKER, username="alice") == 2.5
    clock.advance(2.5)
    assert login_throttle_check(ip=ATTACKER, username="alice") == 0


def test_the_wait_is_capped():
    fail(FREE_FAILURES + 20)
    assert login_throttle_check(ip=ATTACKER, username="alice") == MAX_BLOCK_SECONDS


def test_usernames_share_a_counter_whatever_their_case():
    fail(FREE_FAILURES, username="alice")
    fail(1, username="ALICE")
    assert login_throttle_check(ip=ATTACKER, username="Alice") > 0


def test_failures_older_than_the_window_are_forgotten(clock):
    fail(FREE_FAILURES + 3)
    clock.advance(WINDOW.total_seconds() + 1)
    fail(1)
    row = LoginFailure.objects.get(key=f"{ATTACKER}|alice")
    assert (row.failures, row.blocked_until) == (1, None)


def test_success_clears_the_account_but_not_the_address():
    fail(FREE_FAILURES + 1)
    login_succeeded(ip=ATTACKER, username="alice")
    assert not LoginFailure.objects.filter(key=f"{ATTACKER}|alice").exists()
    assert LoginFailure.objects.get(key=ATTACKER).failures == FREE_FAILURES + 1


def test_one_address_trying_many_accounts_is_slowed_on_the_accounts_it_tried():
    for index in range(ADDRESS_FREE_FAILURES + 1):
        login_failed(ip=ATTACKER, username=f"user{index}")
    assert login_throttle_check(ip=ATTACKER, username="user3") > 0
    assert login_throttle_check(ip=ELSEWHERE, username="user3") == 0


def test_expire_deletes_only_forgotten_rows(clock):
    fail(1, username="bob", ip=ELSEWHERE)
    clock.advance(WINDOW.total_seconds() + 1)
    fail(1, username="alice")
    assert login_failures_expire() == 2
    assert sorted(LoginFailure.objects.values_list("key", flat=True)) == [ATTACKER, f"{ATTACKER}|alice"]


# Through the token endpoint --------------------------------------------------------------------


def test_after_the_free_failures_the_endpoint_answers_429(client, alice):
    for _ in range(FREE_FAILURES + 1):
        assert login(client, "alice", "wrong").status_code == 401
    response = login(client, "alice", "wrong")
    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "TOOMANYREQUESTS"
    assert response["Retry-After"] == "2"


def test_the_right_password_is_refused_unchecked_during_the_block(client, alice, monkeypatch):
    fail(FREE_FAILURES + 1)

    def unexpected(**kwargs):
        raise AssertionError("a blocked login must not check the password")

    monkeypatch.setattr(registry.v2.auth, "login_verify", unexpected)
    response = login(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert response["Retry-After"]


def test_blocked_attempts_do_not_count_as_failures(client, alice):
    fail(FREE_FAILURES + 1)
    assert login(client, "alice", "wrong").status_code == 429
    assert LoginFailure.objects.get(key=f"{ATTACKER}|alice").failures == FREE_FAILURES + 1


def test_the_right_password_works_once_the_block_passes_and_resets_the_count(client, clock, alice):
    for _ in range(FREE_FAILURES + 1):
        login(client, "alice", "wrong")
    clock.advance(1.9)
    assert login(client, "alice", PASSWORD).status_code == 429
    clock.advance(0.1)
    response = login(client, "alice", PASSWORD)
    assert response.status_code == 200
    assert response.json()["token"]
    assert not LoginFailure.objects.filter(key=f"{ATTACKER}|alice").exists()


def test_another_address_is_not_slowed_by_the_first(client, alice, bob):
    for _ in range(FREE_FAILURES + 1):
        login(client, "alice", "wrong")
    assert login(client, "alice", PASSWORD).status_code == 429
    assert login(client, "bob", PASSWORD, ip=ELSEWHERE).status_code == 200
    assert login(client, "alice", PASSWORD, ip=ELSEWHERE).status_code == 200


def test_a_failure_is_counted_for_the_address_and_the_account(client, alice):
    assert login(client, "alice", "wrong").status_code == 401
    counts = dict(LoginFailure.objects.values_list("key", "failures"))
    assert counts == {ATTACKER: 1, f"{ATTACKER}|alice": 1}


def test_anonymous_token_requests_are_not_counted(client, db):
    assert client.get("/v2/auth", {"service": "testserver"}, REMOTE_ADDR=ATTACKER).status_code == 200
    assert not LoginFailure.objects.exists()


# Other people's failures -------------------------------------------------------------------------

PROXY = "10.0.0.2"


def proxied_login(client, username: str, password: str, client_ip: str):
    return client.get(
        "/v2/auth",
        {"service": "testserver"},
        HTTP_AUTHORIZATION=basic_auth(username, password),
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=client_ip,
    )


def spray(client, accounts: int, ip: str = ATTACKER, password: str = "wrong") -> None:
    """One address guessing against many accounts, as a password sprayer does."""
    for index in range(accounts):
        login(client, f"victim{index}", password, ip=ip)


def test_an_address_over_the_ceiling_does_not_block_a_correct_login_without_failures_of_its_own(
    client, clock, alice
):
    """Someone behind the guessing address (a NAT) who never failed logs in."""
    spray(client, ADDRESS_FREE_FAILURES + 3)
    assert login_throttle_check(ip=ATTACKER, username="victim0") > 0
    assert login(client, "alice", PASSWORD, ip=ATTACKER).status_code == 200


def test_a_sprayer_does_not_block_another_users_correct_login_from_another_address(client, clock, bob):
    spray(client, ADDRESS_FREE_FAILURES + 3)
    assert login(client, "bob", PASSWORD, ip=ELSEWHERE).status_code == 200


def test_below_the_ceiling_the_same_user_logs_in_from_another_address(client, clock, alice):
    for _ in range(FREE_FAILURES + 2):
        login(client, "alice", "wrong")
    spray(client, ADDRESS_FREE_FAILURES - FREE_FAILURES - 3)
    assert login(client, "alice", "wrong").status_code == 429
    assert login(client, "alice", PASSWORD, ip=ELSEWHERE).status_code == 200


def test_behind_a_trusted_proxy_each_client_address_counts_alone(client, clock, settings, alice, bob):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    for _ in range(FREE_FAILURES + 2):
        proxied_login(client, "alice", "wrong", ATTACKER)
    for index in range(ADDRESS_FREE_FAILURES + 3):
        proxied_login(client, f"victim{index}", "wrong", ATTACKER)
    assert proxied_login(client, "alice", "wrong", ATTACKER).status_code == 429
    assert proxied_login(client, "alice", PASSWORD, ELSEWHERE).status_code == 200
    assert proxied_login(client, "bob", PASSWORD, ELSEWHERE).status_code == 200
    assert LoginFailure.objects.filter(key=ATTACKER).exists()
    assert not LoginFailure.objects.filter(key=PROXY).exists()


def test_forwarded_for_from_an_untrusted_address_is_ignored(client, clock, settings, alice):
    """A client cannot name a fresh address per try to escape its counter."""
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    for index in range(FREE_FAILURES + 1):
        client.get(
            "/v2/auth",
            {"service": "testserver"},
            HTTP_AUTHORIZATION=basic_auth("alice", "wrong"),
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{index}",
        )
    assert login_throttle_check(ip=ATTACKER, username="alice") > 0


def test_the_message_names_the_account_and_address_when_that_pair_is_limited(client, clock, alice):
    for _ in range(FREE_FAILURES + 1):
        login(client, "alice", "wrong")
    message = login(client, "alice", "wrong").json()["errors"][0]["message"]
    assert "this account from this address" in message


def test_the_message_names_the_address_when_the_address_is_limited(client, clock, alice):
    login(client, "alice", "wrong")
    spray(client, ADDRESS_FREE_FAILURES + 1)
    message = login(client, "alice", PASSWORD).json()["errors"][0]["message"]
    assert "for this address" in message
    assert "account" not in message


def test_the_address_block_passes_with_time(client, clock, alice):
    login(client, "alice", "wrong")
    spray(client, ADDRESS_FREE_FAILURES + 1)
    assert login(client, "alice", PASSWORD).status_code == 429
    clock.advance(MAX_BLOCK_SECONDS)
    assert login(client, "alice", PASSWORD).status_code == 200


def test_the_sign_in_page_names_what_is_limited(client, clock, alice):
    for _ in range(FREE_FAILURES + 1):
        login_failed(ip="127.0.0.1", username="alice")
    response = client.post("/signin", {"username": "alice", "password": PASSWORD})
    assert b"Too many failed logins for this account from this address" in response.content
