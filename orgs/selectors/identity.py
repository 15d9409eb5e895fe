"""Reads for identity: who may do what in a namespace and a repository, and listings.

Effective repository role, as in Quay: the highest of a direct grant, the grants of the user's
teams, organization admin, namespace owner, superuser (where configured) and public read.
A disabled user counts as anonymous; a robot has only its own grants and teams.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, QuerySet

from orgs.errors import NotFound
from orgs.models import (
    AppToken,
    DefaultPermission,
    Namespace,
    Organization,
    RobotAccount,
    Team,
    TeamMember,
    User,
)

ROLE_ORDER = {None: 0, "read": 1, "write": 2, "admin": 3}
NAMESPACE_ROLE_ORDER = {None: 0, Team.Role.MEMBER: 1, Team.Role.CREATOR: 2, Team.Role.ADMIN: 3}


def is_superuser(user: User | None) -> bool:
    return bool(user and user.is_active and (user.is_superuser or user.username in settings.SUPER_USERS))


def has_full_access(user: User | None) -> bool:
    return settings.FEATURE_SUPERUSERS_FULL_ACCESS and is_superuser(user)


def anonymous_may_read() -> bool:
    return settings.FEATURE_ANONYMOUS_ACCESS


def namespace_role(*, user: User | None, namespace: Namespace) -> str | None:
    """'admin' (the owner, an organization admin, a superuser with full access), 'creator' or
    'member' (through the organization's teams), else None. At most one query."""
    if user is None or not user.is_active:
        return None
    if has_full_access(user):
        return "admin"
    if namespace.kind == Namespace.Kind.USER:
        return "admin" if user.namespace_id == namespace.pk else None
    roles = TeamMember.objects.filter(user=user, team__organization__namespace=namespace).values_list(
        "team__role", flat=True
    )
    return max(set(roles), key=NAMESPACE_ROLE_ORDER.__getitem__, default=None)


def may_create_repository(*, user: User | None, namespace: Namespace) -> bool:
    return namespace_role(user=user, namespace=namespace) in ("admin", "creator")


def robot_list(*, namespace: Namespace) -> QuerySet[RobotAccount]:
    """The namespace's robots; their tokens are stored only as hashes and never read back."""
    return RobotAccount.objects.filter(namespace=namespace).select_related("user").order_by("short_name")


def robot_get(*, namespace: Namespace, short_name: str) -> RobotAccount:
    robot = robot_list(namespace=namespace).filter(short_name=short_name).first()
    if robot is None:
        raise NotFound(f"no robot {namespace.name}+{short_name}")
    return robot


def robot_users_of(*, namespace_id: int) -> QuerySet[User]:
    """The namespace's robots as users, by name: the choices for a repository's mirror robot."""
    return User.objects.filter(robot__isnull=False, robot__namespace=namespace_id).order_by("username")


def team_list(*, organization: Organization) -> QuerySet[Team]:
    return Team.objects.filter(organization=organization).order_by("name")


def prototype_list(*, organization: Organization) -> QuerySet[DefaultPermission]:
    return (
        DefaultPermission.objects.filter(organization=organization)
        .select_related("activating_user", "delegate_user", "delegate_team")
        .order_by("created", "pk")
    )


def prototype_get(*, organization: Organization, prototype_id: str) -> DefaultPermission:
    """One of the organization's default permissions by its id; NotFound for any other."""
    prototype = None
    if prototype_id.isdigit():
        prototype = prototype_list(organization=organization).filter(pk=int(prototype_id)).first()
    if prototype is None:
        raise NotFound(f"no default permission {prototype_id!r} in {organization}")
    return prototype


def app_token_list(*, user: User) -> QuerySet[AppToken]:
    """The user's tokens: title, code prefix, dates. The secret was never stored, only its hash."""
    return AppToken.objects.filter(user=user).defer("secret_hash").order_by("-created", "-pk")


def app_token_get(*, user: User, code: str) -> AppToken:
    """One of the user's own tokens by its code; anyone else's is not found."""
    token = app_token_list(user=user).filter(code=code).first()
    if token is None:
        raise NotFound(f"no app token {code!r}")
    return token


def namespace_find(*, name: str) -> Namespace | None:
    return Namespace.objects.filter(name=name).first()


def organization_get(*, name: str) -> Organization:
    """Organizations are public by name, as in Quay; what they hold is not."""
    organization = Organization.objects.select_related("namespace").filter(namespace__name=name).first()
    if organization is None:
        raise NotFound(f"no organization named {name!r}")
    return organization


def organization_roles_for(*, user: User) -> list[tuple[Organization, str]]:
    """The organizations ``user`` belongs to through a team, each with their highest team role."""
    memberships = TeamMember.objects.filter(user=user).values_list("team__organization_id", "team__role")
    roles: dict[int, str] = {}
    for organization_id, role in memberships:
        held = roles.get(organization_id)
        if held is None or NAMESPACE_ROLE_ORDER[role] > NAMESPACE_ROLE_ORDER[held]:
            roles[organization_id] = role
    organizations = Organization.objects.filter(pk__in=roles).select_related("namespace")
    return sorted(
        ((organization, roles[organization.pk]) for organization in organizations),
        key=lambda pair: pair[0].namespace.name,
    )


def team_list_with_counts(*, organization: Organization) -> QuerySet[Team]:
    """Teams in creation order, each with ``member_count`` and ``repo_count`` (granted repositories)."""
    return (
        Team.objects.filter(organization=organization)
        .annotate(
            member_count=Count("teammember", distinct=True),
            repo_count=Count("permissions", distinct=True),
        )
        .order_by("pk")
    )


def team_get_with_counts(*, team: Team) -> Team:
    """The team with ``member_count`` and ``repo_count``, as team_list_with_counts gives them."""
    return team_list_with_counts(organization=team.organization).get(pk=team.pk)


def team_names_of(*, user: User, organization: Organization) -> set[str]:
    return set(
        TeamMember.objects.filter(user=user, team__organization=organization).values_list(
            "team__name", flat=True
        )
    )


def organization_get_for_member(*, user: User, name: str) -> Organization:
    """The organization when ``user`` belongs to it; otherwise the same 404 as a missing one."""
    organization = organization_get(name=name)
    if namespace_role(user=user, namespace=organization.namespace) is None:
        raise NotFound(f"no organization named {name!r}")
    return organization


def team_find(*, organization: Organization, name: str) -> Team | None:
    return Team.objects.filter(organization=organization, name=name).first()


def team_get(*, organization: Organization, name: str) -> Team:
    team = Team.objects.filter(organization=organization, name=name).select_related("organization__namespace")
    found = team.first()
    if found is None:
        raise NotFound(f"no team {name!r} in {organization}")
    return found


def namespace_name_taken(*, name: str) -> bool:
    """Whether a user or an organization already has the name (one namespace per name)."""
    return Namespace.objects.filter(name=name).exists()


def user_get(*, name: str) -> User:
    user = User.objects.filter(username=name, is_active=True).first()
    if user is None:
        raise NotFound(f"no user named {name!r}")
    return user
