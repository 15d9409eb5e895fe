"""OAuth 2 access tokens as credentials: verifying one for a registry login, and an organization's
administrator generating one for themselves with the organization's application, without the
authorization-code flow (Quay's "Generate Token")."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import (
    AbstractAccessToken,
    AbstractApplication,
    get_access_token_model,
    set_token_value,
)
from oauth2_provider.settings import oauth2_settings
from oauthlib.common import generate_token

from orgs.audit import audit_log_write
from orgs.errors import InvalidInput, NotPermitted
from orgs.models import OrganizationApplication, User
from orgs.selectors.identity import namespace_role
from orgs.services.authorization import require_self


def oauth_token_verify(*, token: str) -> AbstractAccessToken | None:
    """The access token row when ``token`` is current, unexpired and its user enabled."""
    if not token:
        return None
    checksum = hashlib.sha256(token.encode()).hexdigest()
    row = get_access_token_model().objects.select_related("user").filter(token_checksum=checksum).first()
    if row is None or row.is_expired() or row.user is None or not row.user.is_active:
        return None
    return row


@transaction.atomic
def oauth_token_generate(
    *, application: AbstractApplication, user: User, scopes: list[str], actor: User
) -> tuple[AbstractAccessToken, str]:
    """Returns the token row and the token, which is shown this once."""
    require_self(actor=actor, user=user)
    owner = (
        OrganizationApplication.objects.select_related("organization__namespace")
        .filter(application=application)
        .first()
    )
    if owner is None or namespace_role(user=actor, namespace=owner.organization.namespace) != "admin":
        raise NotPermitted("only an administrator of the application's organization may generate its tokens")
    unknown = set(scopes) - set(settings.OAUTH2_PROVIDER["SCOPES"])
    if not scopes or unknown:
        raise InvalidInput(f"unknown or no scopes: {' '.join(sorted(unknown))}")
    raw = generate_token()
    token = get_access_token_model()(
        user=user,
        application=application,
        scope=" ".join(sorted(set(scopes))),
        expires=timezone.now() + timedelta(seconds=oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS),
    )
    set_token_value(token, raw)
    token.save()
    audit_log_write(
        kind="oauth_token_assigned",
        performer=actor,
        namespace=owner.organization.namespace,
        metadata={
            "application": application.name,
            "client_id": application.client_id,
            "username": user.username,
            "scope": token.scope,
        },
    )
    return token, raw
