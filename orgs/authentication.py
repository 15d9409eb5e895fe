"""Checks a username and password for registry logins: a person's password or app token,
a robot's token, or an OAuth access token under the username ``$oauthtoken``.

Docker clients send the password with every token request, and a password hash is meant to
be slow (hundreds of milliseconds), so a success is remembered for a short while in this
process. The memory holds an HMAC of the password under a per-process key, and a hit still
reads the user row: a changed password or a disabled user fails at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

from django.contrib.auth import authenticate

from orgs import hooks
from orgs.models import User
from orgs.names import ROBOT_SEPARATOR
from orgs.oauth import oauth_token_verify
from orgs.services import app_token_verify, robot_verify

# Quay's username for logging in with an OAuth access token as the password.
OAUTH_USERNAME = "$oauthtoken"
_REMEMBER_SECONDS = 300
_REMEMBER_MAX = 10000
_process_key = secrets.token_bytes(32)
_lock = threading.Lock()
_remembered: dict[str, tuple[bytes, str, float]] = {}
_verifying: dict[str, threading.Lock] = {}


def _mac(username: str, password: str) -> bytes:
    return hmac.new(_process_key, f"{username}\0{password}".encode(), hashlib.sha256).digest()


@dataclass(frozen=True)
class Login:
    user: User
    # How the user proved who they are, for the audit log: password, robot, app_token:<code>, oauth.
    credential: str
    # An OAuth token's scopes, which narrow what the login may do; None for other credentials.
    oauth_scopes: frozenset[str] | None = None
    # A credential an app issued for a narrow job (a build's push): the repositories (full
    # names) it may act on, None for any; and whether it may only read.
    repository_limit: frozenset[str] | None = None
    read_only: bool = False


def login_verify(*, username: str, password: str) -> Login | None:
    if not username or not password:
        return None
    if username.startswith("$") and username != OAUTH_USERNAME:
        # Reserved names (no account has one) belong to the credentials apps issue.
        verifier = hooks.login_verifiers.get(username)
        return verifier(password) if verifier is not None else None
    if username == OAUTH_USERNAME:
        token = oauth_token_verify(token=password)
        return Login(token.user, "oauth", frozenset(token.scope.split())) if token else None
    if ROBOT_SEPARATOR in username:
        robot = robot_verify(username=username, token=password)
        return Login(robot, "robot") if robot else None
    found = app_token_verify(username=username, token=password)
    if found is not None:
        user, token = found
        return Login(user, f"app_token:{token.code}")
    person = credentials_verify(username=username, password=password)
    return Login(person, "password") if person else None


def _remembered_user(username: str, password: str) -> User | None:
    entry = _remembered.get(username)
    if entry is None or entry[2] <= time.monotonic():
        return None
    user = User.objects.filter(username=username).first()
    if (
        user is not None
        and user.is_active
        and user.password == entry[1]
        and hmac.compare_digest(entry[0], _mac(username, password))
    ):
        return user
    return None


def _username_lock(username: str) -> threading.Lock:
    with _lock:
        if len(_verifying) >= _REMEMBER_MAX:
            _verifying.clear()
        return _verifying.setdefault(username, threading.Lock())


def credentials_verify(*, username: str, password: str) -> User | None:
    """A person's password, remembered briefly as the module docstring says."""
    if not username or not password:
        return None
    user = _remembered_user(username, password)
    if user is not None:
        return user
    # Fifty clients logging in at once as one account must not hash the password fifty times:
    # the first checks it, the others then find it remembered.
    with _username_lock(username):
        user = _remembered_user(username, password)
        if user is not None:
            return user
        user = authenticate(username=username, password=password)
        if user is None or not user.is_active:
            return None
        with _lock:
            if len(_remembered) >= _REMEMBER_MAX:
                _remembered.clear()
            _remembered[username] = (
                _mac(username, password),
                user.password,
                time.monotonic() + _REMEMBER_SECONDS,
            )
    return user
