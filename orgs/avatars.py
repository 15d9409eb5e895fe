"""Quay's avatar objects (``name``, ``hash``, ``color``, ``kind``), computed here from the name
alone: no external service, and no address of anyone's e-mail in a hash the API hands out.

The hash is the MD5 of the name, trimmed and lower-cased, and the colour is picked from Quay's
palette by the hash's first two hex digits, so a name gets the colour Quay's local avatars give
it when its e-mail is empty.
"""

from __future__ import annotations

import hashlib

from orgs.names import ROBOT_SEPARATOR

# Quay's palette for local avatars (its AVATAR_COLORS).
AVATAR_COLORS = (
    "#969696", "#aec7e8", "#ff7f0e", "#ffbb78", "#2ca02c", "#98df8a", "#d62728", "#ff9896",
    "#9467bd", "#c5b0d5", "#8c564b", "#c49c94", "#e377c2", "#f7b6d2", "#7f7f7f", "#c7c7c7",
    "#bcbd22", "#1f77b4", "#17becf", "#9edae5", "#393b79", "#5254a3", "#6b6ecf", "#9c9ede",
    "#9ecae1", "#31a354", "#b5cf6b", "#a1d99b", "#8c6d31", "#ad494a", "#e7ba52", "#a55194",
)  # fmt: skip
# Enough hex digits of the hash to index the palette: ceil(log16(32)) = 2.
_COLOR_DIGITS = 2


def avatar_data(*, name: str, kind: str) -> dict:
    """``kind`` is Quay's: user, robot, org or team."""
    digest = hashlib.md5(name.strip().lower().encode(), usedforsecurity=False).hexdigest()
    color = AVATAR_COLORS[int(digest[:_COLOR_DIGITS], 16) % len(AVATAR_COLORS)]
    return {"name": name, "hash": digest, "color": color, "kind": kind}


def user_avatar(username: str) -> dict:
    """A person's or a robot's avatar, told apart by the name."""
    return avatar_data(name=username, kind="robot" if ROBOT_SEPARATOR in username else "user")


def organization_avatar(name: str) -> dict:
    return avatar_data(name=name, kind="org")


def team_avatar(name: str) -> dict:
    return avatar_data(name=name, kind="team")
