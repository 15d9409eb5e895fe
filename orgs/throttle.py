"""Slows down repeated failed logins from one address, without ever locking an account for good,
and without locking a correct password out because of other people's failures.

Each failed login counts against two LoginFailure rows, kept in the database so that every
instance sees them:

- the address and account, ``f"{ip}|{username}"``: ``FREE_FAILURES`` (5) failures within
  ``WINDOW`` (10 minutes) cost nothing; the n-th after them blocks the pair for 2^n seconds
  (2, 4, 8, ...), at most ``MAX_BLOCK_SECONDS`` (60);
- the address alone, ``ip``: the same curve after ``ADDRESS_FREE_FAILURES`` (100), against one
  address trying many accounts. Its block holds only for accounts that have failures of their
  own from that address: the guessing address gets one try per account and then waits, while
  someone else behind the same address (a NAT, an office) who typed their password right is
  never refused for the guesser's failures.

A failure older than the window is forgotten, and a success clears the account's row (not the
address's: an attacker could clear that with an account of their own). A blocked attempt is
refused before its password is checked and does not count. Another address is never slowed by
these rows. Behind a load balancer, the address is the client's from X-Forwarded-For as
TRUSTED_PROXIES allows (quaysite.client_address), not the balancer's, which everyone shares.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from django.db import transaction
from django.utils import timezone

from orgs.models import LoginFailure

FREE_FAILURES = 5
ADDRESS_FREE_FAILURES = 100
WINDOW = timedelta(minutes=10)
MAX_BLOCK_SECONDS = 60
USERNAME_MAX = 255

T = TypeVar("T")


# What a block limits, as its message says.
LIMITED_ACCOUNT = "this account from this address"
LIMITED_ADDRESS = "this address"
# The current time; tests put a controlled clock here.
clock: Callable[[], datetime] = timezone.now


class LoginThrottled(Exception):
    def __init__(self, wait: float, limited: str = LIMITED_ACCOUNT) -> None:
        self.wait = wait
        self.limited = limited
        super().__init__(
            f"too many failed logins for {limited}: try again in {max(1, math.ceil(wait))} seconds"
        )


def _address(ip: str | None) -> str:
    return ip or "unknown"


def _account_key(ip: str | None, username: str) -> str:
    # Case-folded, so that ALICE and alice share one counter.
    return f"{_address(ip)}|{username.lower()[:USERNAME_MAX]}"


def login_throttle_check(*, ip: str | None, username: str) -> float:
    """Seconds the caller must still wait before this login may be tried; 0 when it may now."""
    return _blocked(ip=ip, username=username)[0]


def _blocked(*, ip: str | None, username: str) -> tuple[float, str]:
    """(seconds left, what is limited); (0, "") when the login may be tried now. One query."""
    now = clock()
    account_key, address_key = _account_key(ip, username), _address(ip)
    rows = {row.key: row for row in LoginFailure.objects.filter(key__in=[account_key, address_key])}
    account, address = rows.get(account_key), rows.get(address_key)
    if account is not None and account.blocked_until and account.blocked_until > now:
        return (account.blocked_until - now).total_seconds(), LIMITED_ACCOUNT
    has_own_failures = account is not None and account.last_failure >= now - WINDOW
    if has_own_failures and address is not None and address.blocked_until and address.blocked_until > now:
        return (address.blocked_until - now).total_seconds(), LIMITED_ADDRESS
    return 0.0, ""


def _block_seconds(failures: int, free: int) -> int:
    beyond = failures - free
    if beyond <= 0:
        return 0
    # 2^6 already exceeds the cap; bounding the exponent keeps the number small.
    return min(2 ** min(beyond, 6), MAX_BLOCK_SECONDS)


def _failure_count(*, key: str, free: int, now: datetime) -> None:
    row, _ = LoginFailure.objects.select_for_update().get_or_create(
        key=key, defaults={"failures": 0, "last_failure": now}
    )
    if row.last_failure < now - WINDOW:
        row.failures = 0
    row.failures += 1
    row.last_failure = now
    seconds = _block_seconds(row.failures, free)
    row.blocked_until = now + timedelta(seconds=seconds) if seconds else None
    row.save(update_fields=["failures", "last_failure", "blocked_until"])


@transaction.atomic
def login_failed(*, ip: str | None, username: str) -> None:
    now = clock()
    counters = {_account_key(ip, username): FREE_FAILURES, _address(ip): ADDRESS_FREE_FAILURES}
    # Rows locked in key order, so two failures from one address cannot deadlock.
    for key in sorted(counters):
        _failure_count(key=key, free=counters[key], now=now)


def login_succeeded(*, ip: str | None, username: str) -> None:
    rows = LoginFailure.objects.filter(key=_account_key(ip, username))
    # Nearly every login has no row: a read is cheaper than a DELETE (a write lock on SQLite).
    if rows.exists():
        rows.delete()


def login_attempt(*, ip: str | None, username: str, verify: Callable[[], T | None]) -> T | None:
    """Runs ``verify`` (None: the credentials were wrong) unless the pair is blocked, and counts
    the outcome; every login form and endpoint goes through here so they share one throttle.
    Raises LoginThrottled without calling ``verify`` while blocked."""
    wait, limited = _blocked(ip=ip, username=username)
    if wait > 0:
        raise LoginThrottled(wait, limited)
    verified = verify()
    if verified is None:
        login_failed(ip=ip, username=username)
    else:
        login_succeeded(ip=ip, username=username)
    return verified


def login_failures_expire() -> int:
    """Deletes the rows whose failures are all forgotten; returns how many."""
    deleted, _ = LoginFailure.objects.filter(last_failure__lt=clock() - WINDOW).delete()
    return deleted
