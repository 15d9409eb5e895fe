"""Writes for app-specific tokens: a user's extra passwords for CLIs and scripts.

A token is ``code`` (found by lookup) followed by a secret (kept only as a hash), so checking one
costs one indexed read and one hash, not a password hasher's deliberate slowness. Only the user
themself creates one (an ``actor`` of None is the system); they or a superuser revoke it. Both are
recorded in the audit log.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from orgs.audit import audit_log_write
from orgs.errors import FeatureDisabled, InvalidInput
from orgs.models import AppToken, RobotAccount, User
from orgs.secrets import secret_generate, secret_hash, secret_hash_matches
from orgs.services.authorization import require_self, require_self_or_superuser

CODE_LENGTH = 16
SECRET_LENGTH = 48
# Docker clients log in before every push and pull; writing last_used each time would cost a write per login.
LAST_USED_PRECISION = timedelta(minutes=1)
# Quay's convention: "$app" as the username stands for whoever owns the token.
ANY_USERNAME = "$app"
_NO_TOKEN_HASH = secret_hash("")
_TITLE_FIELD = AppToken._meta.get_field("title")
assert _TITLE_FIELD.max_length is not None  # a CharField always has one
_TITLE_MAX = _TITLE_FIELD.max_length


def _enabled_check() -> None:
    if not settings.FEATURE_APP_SPECIFIC_TOKENS:
        raise FeatureDisabled("app-specific tokens are switched off on this registry")


def _audit(kind: str, *, token: AppToken, actor: User | None) -> None:
    audit_log_write(
        kind=kind,
        performer=actor,
        namespace=token.user.namespace,
        metadata={"username": token.user.username, "title": token.title, "code": token.code},
    )


@transaction.atomic
def app_token_create(
    *, user: User, title: str, expires: datetime | None = None, actor: User | None = None
) -> tuple[AppToken, str]:
    """Returns the token row and the token, which is shown this once."""
    _enabled_check()
    require_self(actor=actor, user=user)
    if not title.strip() or len(title) > _TITLE_MAX:
        raise InvalidInput("an app token's title has 1 to 255 characters")
    if expires is not None and expires <= timezone.now():
        raise InvalidInput("an app token's expiry lies in the future")
    if RobotAccount.objects.filter(user=user).exists():
        raise InvalidInput("robots log in with their own token, not app tokens")
    code, secret = secret_generate(CODE_LENGTH), secret_generate(SECRET_LENGTH)
    token = AppToken.objects.create(
        user=user, title=title, code=code, secret_hash=secret_hash(secret), expires=expires
    )
    _audit("create_app_specific_token", token=token, actor=actor)
    return token, code + secret


def app_token_verify(*, username: str, token: str) -> tuple[User, AppToken] | None:
    """The owner and the token row when ``token`` is current, unexpired and its owner enabled."""
    if not settings.FEATURE_APP_SPECIFIC_TOKENS or len(token) != CODE_LENGTH + SECRET_LENGTH:
        return None
    code, secret = token[:CODE_LENGTH], token[CODE_LENGTH:]
    row = AppToken.objects.select_related("user").filter(code=code).first()
    if row is None:
        secret_hash_matches(secret, _NO_TOKEN_HASH)
        return None
    now = timezone.now()
    if (
        not secret_hash_matches(secret, row.secret_hash)
        or username not in (row.user.username, ANY_USERNAME)
        or not row.user.is_active
        or (row.expires is not None and row.expires <= now)
    ):
        return None
    if row.last_used is None or now - row.last_used >= LAST_USED_PRECISION:
        AppToken.objects.filter(pk=row.pk).update(last_used=now)
        row.last_used = now
    return row.user, row


@transaction.atomic
def app_token_revoke(*, token: AppToken, actor: User | None = None) -> None:
    require_self_or_superuser(actor=actor, user=token.user)
    _audit("revoke_app_specific_token", token=token, actor=actor)
    token.delete()
