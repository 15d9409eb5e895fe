"""The superuser console's writes on users and organizations: each change by its own service
(audited there), all in one transaction; superusers themselves are out of its reach, as in Quay."""

from __future__ import annotations

from django.db import transaction

from orgs import hooks
from orgs.audit import audit_log_write
from orgs.errors import InvalidInput, NotPermitted
from orgs.models import Namespace, Organization, RobotAccount, Team, TeamMember, User
from orgs.selectors.identity import is_superuser
from orgs.services.authorization import require_superuser
from orgs.services.organizations import OWNERS_TEAM, organization_rename, organization_set_email
from orgs.services.users import user_password_change, user_set_active, user_set_email


def _protect_superuser(user: User) -> None:
    if is_superuser(user) or user.is_superuser:
        raise NotPermitted(f"{user} is a superuser: change it in the configuration")


@transaction.atomic
def superuser_user_update(
    *,
    user: User,
    actor: User | None,
    email: str | None = None,
    password: str | None = None,
    enabled: bool | None = None,
) -> User:
    require_superuser(actor=actor)
    _protect_superuser(user)
    if email is not None and email != user.email:
        user_set_email(user=user, email=email, actor=actor)
    if password is not None:
        user_password_change(user=user, password=password, actor=actor)
    if enabled is not None and enabled != user.is_active:
        user_set_active(user=user, active=enabled, actor=actor)
    return user


@transaction.atomic
def user_delete(*, user: User, actor: User | None = None) -> None:
    """Deletes the user, their robots and memberships. Refused while their namespace holds
    repositories (purging those is garbage collection's work) or while they are the last person
    in an organization's owners team."""
    require_superuser(actor=actor)
    _protect_superuser(user)
    if RobotAccount.objects.filter(user=user).exists():
        raise InvalidInput(f"{user} is a robot: delete it from its namespace")
    namespace = user.namespace
    refusal = hooks.namespace_delete_refused(namespace) if namespace is not None else None
    if refusal is not None:
        raise InvalidInput(f"{user} {refusal}")
    owned = TeamMember.objects.filter(user=user, team__name=OWNERS_TEAM).values_list(
        "team_id", "team__organization__namespace__name"
    )
    for team_id, organization_name in owned:
        others = TeamMember.objects.filter(team_id=team_id, user__robot__isnull=True).exclude(user=user)
        if not others.exists():
            raise InvalidInput(f"{user} is the last owner of {organization_name}")
    audit_log_write(
        kind="user_delete", performer=actor, namespace=namespace, metadata={"username": user.username}
    )
    if namespace is not None:
        User.objects.filter(robot__namespace=namespace).delete()
    user.delete()
    if namespace is not None:
        Namespace.objects.filter(pk=namespace.pk).delete()


@transaction.atomic
def superuser_organization_update(
    *, organization: Organization, actor: User | None, name: str | None = None, email: str | None = None
) -> Organization:
    require_superuser(actor=actor)
    if email is not None and email != organization.email:
        organization_set_email(organization=organization, email=email, actor=actor, as_superuser=True)
    if name and name != organization.namespace.name:
        organization = organization_rename(organization=organization, name=name, actor=actor)
    return organization


@transaction.atomic
def organization_take_ownership(*, organization: Organization, actor: User) -> bool:
    """Puts the superuser ``actor`` in the organization's owners team, as Quay's take-ownership
    does, so they administer it without full-access mode. False when they already were there."""
    require_superuser(actor=actor)
    owners, _ = Team.objects.get_or_create(
        organization=organization, name=OWNERS_TEAM, defaults={"role": Team.Role.ADMIN}
    )
    _, added = TeamMember.objects.get_or_create(team=owners, user=actor)
    if added:
        audit_log_write(
            kind="take_ownership",
            performer=actor,
            namespace=organization.namespace,
            metadata={"namespace": organization.namespace.name, "was_user": False},
        )
    return added
