"""Name rules for namespaces (users and organizations), teams and robots (Quay's rules)."""

from __future__ import annotations

import re

from orgs.errors import InvalidName
from orgs.models import User

NAMESPACE_RE = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")
NAMESPACE_MIN, NAMESPACE_MAX = 2, 255
TEAM_RE = re.compile(r"^[a-z][a-z0-9]+$")
TEAM_MIN, TEAM_MAX = 2, 255
ROBOT_SHORT_RE = re.compile(r"^[a-z][a-z0-9_]{1,254}$")
# Users and robots are rows of the auth user table, whose username column is shorter than a namespace.
_USERNAME_FIELD = User._meta.get_field("username")
assert _USERNAME_FIELD.max_length is not None  # a CharField always has one
USERNAME_MAX = _USERNAME_FIELD.max_length
ROBOT_SEPARATOR = "+"


def namespace_name_validate(name: str) -> str:
    if not NAMESPACE_MIN <= len(name) <= NAMESPACE_MAX:
        raise InvalidName(f"{name!r}: a namespace name has {NAMESPACE_MIN} to {NAMESPACE_MAX} characters")
    if not NAMESPACE_RE.match(name):
        raise InvalidName(
            f"{name!r}: a namespace name is lowercase letters and digits, separated by single '.', '_' or '-'"
        )
    return name


def user_name_validate(name: str) -> str:
    namespace_name_validate(name)
    if len(name) > USERNAME_MAX:
        raise InvalidName(f"{name!r}: a user name has at most {USERNAME_MAX} characters")
    return name


def team_name_validate(name: str) -> str:
    if not TEAM_MIN <= len(name) <= TEAM_MAX:
        raise InvalidName(f"{name!r}: a team name has {TEAM_MIN} to {TEAM_MAX} characters")
    if not TEAM_RE.match(name):
        raise InvalidName(f"{name!r}: a team name is a lowercase letter, then lowercase letters and digits")
    return name


def robot_username(*, namespace_name: str, short_name: str) -> str:
    """'acme' and 'deployer' -> 'acme+deployer', checked against the robot and username rules."""
    if not ROBOT_SHORT_RE.match(short_name):
        raise InvalidName(
            f"{short_name!r}: a robot name is a lowercase letter, then 1 to 254 lowercase letters, "
            "digits or '_'"
        )
    username = f"{namespace_name}{ROBOT_SEPARATOR}{short_name}"
    if len(username) > USERNAME_MAX:
        raise InvalidName(f"{username!r}: a robot's full name has at most {USERNAME_MAX} characters")
    return username
