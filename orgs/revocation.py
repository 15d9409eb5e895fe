"""Ends registry tokens when the credential or the access behind them goes away.

A registry token carries its user's ``credential_generation`` and a fingerprint of the password
hash; /v2/ re-checks both (and that the user is enabled) every few seconds, see registry.v2.tokens.
Whatever takes access away bumps the generation of the users it affects. Row deletions are
caught by signal receivers rather than calls in each service, because cascades (a deleted team,
user or application) and the admin delete those rows too; changes of role are bumped by the
services that make them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import F
from django.db.models.signals import post_delete
from django.utils.crypto import salted_hmac
from oauth2_provider.models import get_access_token_model

from orgs.models import AppToken, RepositoryPermission, TeamMember, User
from orgs.selectors.identity import NAMESPACE_ROLE_ORDER, ROLE_ORDER

# Repository and team roles, higher grants more; a change to a lower rank takes access away.
_ROLE_RANK = {**ROLE_ORDER, **NAMESPACE_ROLE_ORDER}


def password_fingerprint(password_hash: str) -> str:
    """Changes with the password; keyed, so a token shows nothing about the hash."""
    return salted_hmac("registry-token-password", password_hash, algorithm="sha256").hexdigest()[:16]


def credential_generation_bump(*, user_ids: Iterable[int | None]) -> None:
    ids = {user_id for user_id in user_ids if user_id is not None}
    if ids:
        User.objects.filter(pk__in=ids).update(credential_generation=F("credential_generation") + 1)


def team_members_revoke(*, team_id: int) -> None:
    members = TeamMember.objects.filter(team_id=team_id).values_list("user_id", flat=True)
    credential_generation_bump(user_ids=members)


def role_lowered(*, previous: str | None, role: str) -> bool:
    return previous is not None and _ROLE_RANK.get(role, 0) < _ROLE_RANK.get(previous, 0)


def _user_row_deleted(sender: type, instance: Any, **_: object) -> None:
    credential_generation_bump(user_ids=[instance.user_id])


def _permission_deleted(sender: type, instance: RepositoryPermission, **_: object) -> None:
    if instance.team_id is not None:
        team_members_revoke(team_id=instance.team_id)
    credential_generation_bump(user_ids=[instance.user_id])


def revocation_receivers_connect() -> None:
    for model in (AppToken, TeamMember, get_access_token_model()):
        post_delete.connect(_user_row_deleted, sender=model, dispatch_uid=f"revoke-{model.__name__}")
    post_delete.connect(_permission_deleted, sender=RepositoryPermission, dispatch_uid="revoke-permission")
