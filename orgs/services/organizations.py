"""Writes for organizations: creation with its owners team, contact address, name, members."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from orgs.audit import audit_log_write
from orgs.errors import (
    InvalidInput,
    NamespaceTaken,
    NameTaken,
    NotFound,
    NotPermitted,
    OwnersTeamProtected,
)
from orgs.models import (
    Namespace,
    Organization,
    RepositoryPermission,
    RobotAccount,
    Team,
    TeamMember,
    User,
)
from orgs.names import namespace_name_validate
from orgs.selectors.identity import is_superuser
from orgs.services.authorization import require_namespace_admin, require_superuser
from orgs.services.namespaces import namespace_create

OWNERS_TEAM = "owners"


@transaction.atomic
def organization_create(*, name: str, creator: User, email: str = "") -> Organization:
    """The creator becomes the first member of the owners team, which administers the organization,
    and is the performer of its audit record."""
    if not creator.is_active or RobotAccount.objects.filter(user=creator).exists():
        raise NotPermitted("only an active user, not a robot, creates organizations")
    if settings.FEATURE_SUPERUSERS_ORG_CREATION_ONLY and not is_superuser(creator):
        raise NotPermitted("only superusers create organizations on this registry")
    namespace = namespace_create(name=name, kind=Namespace.Kind.ORGANIZATION)
    organization = Organization.objects.create(namespace=namespace, email=email)
    owners = Team.objects.create(organization=organization, name=OWNERS_TEAM, role=Team.Role.ADMIN)
    TeamMember.objects.create(team=owners, user=creator)
    audit_log_write(
        kind="org_create",
        performer=creator,
        namespace=namespace,
        metadata={"organization": name, "email": email, "owners_team": OWNERS_TEAM},
    )
    return organization


@transaction.atomic
def organization_set_email(
    *, organization: Organization, email: str, actor: User | None = None, as_superuser: bool = False
) -> Organization:
    """The contact address; as in Quay, not one a user already has (admins, or a superuser from
    the superuser console)."""
    if as_superuser:
        require_superuser(actor=actor)
    else:
        require_namespace_admin(actor=actor, namespace=organization.namespace)
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(f"{email!r} is not an e-mail address") from None
    if User.objects.filter(email__iexact=email).exists():
        raise NameTaken(f"the e-mail address {email!r} is already used")
    previous = organization.email
    organization.email = email
    organization.save(update_fields=["email"])
    audit_log_write(
        kind="org_change_email",
        performer=actor,
        namespace=organization.namespace,
        metadata={"namespace": organization.namespace.name, "email": email, "old_email": previous},
    )
    return organization


@transaction.atomic
def organization_rename(*, organization: Organization, name: str, actor: User | None = None) -> Organization:
    """Superusers only: repositories hang off the namespace and follow it."""
    require_superuser(actor=actor)
    namespace = Namespace.objects.select_for_update().get(pk=organization.namespace_id)
    previous = namespace.name
    namespace_name_validate(name)
    if Namespace.objects.filter(name=name).exclude(pk=namespace.pk).exists():
        raise NamespaceTaken(f"the name {name!r} is already taken by a user or organization")
    namespace.name = name
    namespace.save(update_fields=["name"])
    organization.namespace = namespace
    audit_log_write(
        kind="org_change_name",
        performer=actor,
        namespace=namespace,
        metadata={"namespace": name, "old_name": previous},
    )
    return organization


@transaction.atomic
def organization_member_remove(*, organization: Organization, user: User, actor: User | None = None) -> None:
    """Takes a person out of every team of the organization and drops their direct grants on its
    repositories, as Quay does; the last person of the owners team stays (admins only)."""
    require_namespace_admin(actor=actor, namespace=organization.namespace)
    if RobotAccount.objects.filter(user=user).exists():
        raise InvalidInput(f"{user} is a robot: delete it instead")
    # Locked in pk order, so two removals cannot both see another owner left.
    teams = list(Team.objects.select_for_update().filter(organization=organization).order_by("pk"))
    memberships = TeamMember.objects.filter(team__in=teams, user=user)
    grants = RepositoryPermission.objects.filter(
        user=user, repository__namespace_id=organization.namespace_id
    )
    if not memberships.exists() and not grants.exists():
        raise NotFound(f"{user} is not a member of {organization}")
    owners = next((team for team in teams if team.name == OWNERS_TEAM), None)
    if owners is not None and memberships.filter(team=owners).exists():
        people_left = TeamMember.objects.filter(team=owners, user__robot__isnull=True).exclude(user=user)
        if not people_left.exists():
            raise OwnersTeamProtected(f"{user} is the last owner of {organization}")
    team_names = sorted(memberships.values_list("team__name", flat=True))
    repository_names = sorted(grants.values_list("repository__name", flat=True))
    memberships.delete()
    grants.delete()
    audit_log_write(
        kind="org_remove_member",
        performer=actor,
        namespace=organization.namespace,
        metadata={"member": user.username, "teams": team_names, "repositories": repository_names},
    )
