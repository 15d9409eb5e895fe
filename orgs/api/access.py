"""Quay's short forms of users and robots in the API's listings."""

from __future__ import annotations

from orgs.avatars import user_avatar
from orgs.models import User
from orgs.names import ROBOT_SEPARATOR


def is_robot_name(name: str) -> bool:
    return ROBOT_SEPARATOR in name


def entity_view(user: User) -> dict:
    """Quay's short form of a user or robot in member and grant listings."""
    return {
        "name": user.username,
        "kind": "user",
        "is_robot": is_robot_name(user.username),
        "avatar": user_avatar(user.username),
    }
