"""The REST API's profile updates: each field changed by its own service, all in one transaction,
so a refused field (a taken e-mail address, a window not offered) leaves every other unchanged."""

from __future__ import annotations

from django.db import transaction

from orgs.errors import InvalidInput
from orgs.models import Organization, User
from orgs.services.authorization import require_namespace_admin, require_self_or_superuser
from orgs.services.namespaces import namespace_set_tag_expiration
from orgs.services.organizations import organization_set_email
from orgs.services.users import user_password_change, user_set_email


@transaction.atomic
def user_update(
    *,
    user: User,
    actor: User | None,
    email: str | None = None,
    password: str | None = None,
    tag_expiration_s: int | None = None,
) -> User:
    require_self_or_superuser(actor=actor, user=user)
    if email is not None and email != user.email:
        user_set_email(user=user, email=email, actor=actor)
    if password is not None:
        user_password_change(user=user, password=password, actor=actor)
    if tag_expiration_s is not None:
        if user.namespace is None:
            raise InvalidInput(f"{user} has no namespace of its own")
        namespace_set_tag_expiration(namespace=user.namespace, seconds=tag_expiration_s, actor=actor)
    return user


@transaction.atomic
def organization_update(
    *,
    organization: Organization,
    actor: User | None,
    email: str | None = None,
    tag_expiration_s: int | None = None,
) -> Organization:
    # Checked first: an update that changes nothing must not tell a member it was allowed.
    require_namespace_admin(actor=actor, namespace=organization.namespace)
    if email is not None and email != organization.email:
        organization_set_email(organization=organization, email=email, actor=actor)
    if tag_expiration_s is not None:
        namespace_set_tag_expiration(namespace=organization.namespace, seconds=tag_expiration_s, actor=actor)
    return organization
