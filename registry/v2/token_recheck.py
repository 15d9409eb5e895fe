"""Whether a verified registry token's subject may still do what the token says.

Asked by registry.v2.tokens at most once per ``REGISTRY_TOKEN_RECHECK_SECONDS`` per token and
process: the user must still exist and be enabled with the same password and credential
generation (orgs.revocation bumps it), and each repository the token names must still be the
same row (its id), and still public if it was public when the token was issued.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orgs.revocation import password_fingerprint
from orgs.services import robot_last_accessed_touch
from registry.selectors.tokens import repository_names_by_id, user_credential_state

if TYPE_CHECKING:
    from registry.v2.tokens import Claims


def _user_current(claims: Claims) -> bool:
    row = user_credential_state(user_id=claims.user_id)
    if row is None:
        return False
    is_active, generation, password = row
    return (
        is_active
        and generation == claims.generation
        and password_fingerprint(password) == claims.password_fingerprint
    )


def _repositories_current(claims: Claims) -> bool:
    rows = repository_names_by_id(repository_ids=list(claims.repository_ids.values()))
    found = {
        f"{namespace}/{name}": pk
        for pk, namespace, name, public in rows
        # Made private since: what the token may do may have come from its being public.
        if public or f"{namespace}/{name}" not in claims.public_repositories
    }
    return found == claims.repository_ids


def token_subject_current(claims: Claims) -> bool:
    if claims.user_id is not None:
        if not _user_current(claims):
            return False
        if claims.credential == "robot":
            robot_last_accessed_touch(user_id=claims.user_id)
    return not claims.repository_ids or _repositories_current(claims)
