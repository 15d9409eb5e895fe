"""Per-build credentials, signed rather than stored: each names the build, its attempt and its
purpose, and stops working when the build ends or is started again (a new attempt).

- ``agent``: the builder's reports to the agent endpoint.
- ``push``: the registry login (username BUILD_USERNAME) that pushes the result, narrowed to
  the build's repository, as the build's performer.
- ``pull``: the registry login that pulls base images as the build's pull robot, reads only.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

# A reserved login name: no user can have it, as usernames never start with "$".
BUILD_USERNAME = "$buildtoken"
_SALT = "builds.token"
PURPOSES = ("agent", "push", "pull")


@dataclass(frozen=True)
class BuildTokenClaims:
    build_uuid: str
    attempt: int
    purpose: str


def build_token_issue(*, build_uuid: str, attempt: int, purpose: str) -> str:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown build token purpose {purpose!r}")
    return signing.TimestampSigner(salt=_SALT).sign_object(
        {"b": build_uuid, "a": attempt, "p": purpose}, compress=True
    )


def build_token_read(token: str, *, purpose: str) -> BuildTokenClaims | None:
    """The token's claims when it is genuine, of ``purpose`` and younger than a build may run;
    None otherwise. Whether its build still runs that attempt is the caller's check."""
    try:
        data = signing.TimestampSigner(salt=_SALT).unsign_object(
            token, max_age=settings.BUILD_TIMEOUT + settings.BUILD_HEARTBEAT_TIMEOUT
        )
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(data, dict) or data.get("p") != purpose:
        return None
    try:
        return BuildTokenClaims(build_uuid=str(data["b"]), attempt=int(data["a"]), purpose=purpose)
    except (KeyError, TypeError, ValueError):
        return None
