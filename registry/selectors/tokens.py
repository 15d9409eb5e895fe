"""Reads behind registry tokens: the signing keys, and the rows a token's subject is checked
against when it is used (registry.v2.token_recheck)."""

from __future__ import annotations

from orgs.models import User
from registry.models import Repository, SigningKey


def signing_key_oldest() -> SigningKey | None:
    """The key every instance signs with: the first made."""
    return SigningKey.objects.order_by("created", "pk").first()


def signing_key_get(*, kid: str) -> SigningKey | None:
    return SigningKey.objects.filter(kid=kid).first()


def token_user_active(*, user_id: int) -> User | None:
    """The token's user, unless deleted or disabled since the token was issued."""
    return User.objects.filter(pk=user_id, is_active=True).first()


def user_credential_state(*, user_id: int) -> tuple[bool, int, str] | None:
    """(is_active, credential_generation, password hash) of the user, None once deleted."""
    return (
        User.objects.filter(pk=user_id).values_list("is_active", "credential_generation", "password").first()
    )


def repository_names_by_id(*, repository_ids: list[int]) -> list[tuple[int, str, str, bool]]:
    """(id, namespace name, name, is_public) of those of the repositories still there."""
    rows = Repository.objects.filter(pk__in=repository_ids).values_list(
        "pk", "namespace__name", "name", "is_public"
    )
    return list(rows)
