"""Writes for OAuth 2 applications owned by an organization, as in Quay: its administrators create,
update, delete them and reset their client secret.

The toolkit stores the client secret as a hash, so the secret is shown by creation and reset
only (Quay shows it to administrators at any time).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import Application

from orgs.audit import audit_log_write
from orgs.errors import InvalidInput
from orgs.models import Organization, OrganizationApplication, User
from orgs.services.authorization import require_namespace_admin


def _redirect_uri_check(application: Application) -> None:
    if not application.redirect_uris:
        return
    try:
        application.clean()
    except ValidationError as error:
        raise InvalidInput(" ".join(error.messages)) from None


def _audit(kind: str, *, owned: OrganizationApplication, actor: User | None, **metadata: str) -> None:
    audit_log_write(
        kind=kind,
        performer=actor,
        namespace=owned.organization.namespace,
        metadata={
            "application_name": owned.application.name,
            "client_id": owned.application.client_id,
            **metadata,
        },
    )


@transaction.atomic
def application_create(
    *,
    organization: Organization,
    name: str,
    redirect_uri: str = "",
    application_uri: str = "",
    description: str = "",
    avatar_email: str = "",
    actor: User | None = None,
) -> tuple[OrganizationApplication, str]:
    """Returns the application and its client secret, shown this once."""
    require_namespace_admin(actor=actor, namespace=organization.namespace)
    if not name.strip():
        raise InvalidInput("an application needs a name")
    secret = generate_client_secret()
    application = Application(
        name=name,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=redirect_uri,
        client_secret=secret,
    )
    _redirect_uri_check(application)
    application.save()
    owned = OrganizationApplication.objects.create(
        application=application,
        organization=organization,
        description=description,
        application_uri=application_uri,
        avatar_email=avatar_email,
    )
    _audit("create_application", owned=owned, actor=actor, redirect_uri=redirect_uri)
    return owned, secret


@transaction.atomic
def application_update(
    *,
    owned: OrganizationApplication,
    name: str,
    redirect_uri: str,
    application_uri: str,
    description: str | None = None,
    avatar_email: str | None = None,
    actor: User | None = None,
) -> OrganizationApplication:
    require_namespace_admin(actor=actor, namespace=owned.organization.namespace)
    if not name.strip():
        raise InvalidInput("an application needs a name")
    application = owned.application
    application.name = name
    application.redirect_uris = redirect_uri
    _redirect_uri_check(application)
    application.save(update_fields=["name", "redirect_uris", "updated"])
    owned.application_uri = application_uri
    if description is not None:
        owned.description = description
    if avatar_email is not None:
        owned.avatar_email = avatar_email
    owned.save(update_fields=["application_uri", "description", "avatar_email"])
    _audit("update_application", owned=owned, actor=actor, redirect_uri=redirect_uri)
    return owned


@transaction.atomic
def application_delete(*, owned: OrganizationApplication, actor: User | None = None) -> None:
    """Its tokens and grants go with it: the toolkit's rows cascade from the application."""
    require_namespace_admin(actor=actor, namespace=owned.organization.namespace)
    _audit("delete_application", owned=owned, actor=actor)
    owned.application.delete()


@transaction.atomic
def application_secret_reset(*, owned: OrganizationApplication, actor: User | None = None) -> str:
    """A new client secret, returned this once; the old one stops working at once."""
    require_namespace_admin(actor=actor, namespace=owned.organization.namespace)
    secret = generate_client_secret()
    owned.application.client_secret = secret
    owned.application.save(update_fields=["client_secret", "updated"])
    _audit("reset_application_client_secret", owned=owned, actor=actor)
    return secret
