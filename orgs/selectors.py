"""Reads for identity: who may do what in a namespace and a repository, and listings.

Effective repository role, as in Quay: the highest of a direct grant, the grants of the user's
teams, organization admin, namespace owner, superuser (where configured) and public read.
A disabled user counts as anonymous; a robot has only its own grants and teams.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet

from orgs.errors import NotFound
from orgs.models import (
    AppToken,
    DefaultPermission,
    Namespace,
    Organization,
    RepositoryPermission,
    RobotAccount,
    Team,
    TeamMember,
    User,
)
from registry.models import Repository

ROLE_ORDER = {None: 0, "read": 1, "write": 2, "admin": 3}
NAMESPACE_ROLE_ORDER = {None: 0, Team.Role.MEMBER: 1, Team.Role.CREATOR: 2, Team.Role.ADMIN: 3}


def is_superuser(user: User | None) -> bool:
    return bool(user and user.is_active and (user.is_superuser or user.username in settings.SUPER_USERS))


def _has_full_access(user: User | None) -> bool:
    return settings.FEATURE_SUPERUSERS_FULL_ACCESS and is_superuser(user)


def _anonymous_may_read() -> bool:
    return settings.FEATURE_ANONYMOUS_ACCESS


def namespace_role(*, user: User | None, namespace: Namespace) -> str | None:
    """'admin' (the owner, an organization admin, a superuser with full access), 'creator' or
    'member' (through the organization's teams), else None. At most one query."""
    if user is None or not user.is_active:
        return None
    if _has_full_access(user):
        return "admin"
    if namespace.kind == Namespace.Kind.USER:
        return "admin" if user.namespace_id == namespace.pk else None
    roles = TeamMember.objects.filter(user=user, team__organization__namespace=namespace).values_list(
        "team__role", flat=True
    )
    return max(set(roles), key=NAMESPACE_ROLE_ORDER.__getitem__, default=None)


def may_create_repository(*, user: User | None, namespace: Namespace) -> bool:
    return namespace_role(user=user, namespace=namespace) in ("admin", "creator")


def repository_role(*, user: User | None, repository: Repository) -> str | None:
    """'read', 'write', 'admin' or None for ``user`` (None: anonymous). At most one query."""
    public_read = "read" if repository.is_public else None
    if user is None or not user.is_active:
        return public_read if _anonymous_may_read() else None
    if _has_full_access(user) or (user.namespace_id and user.namespace_id == repository.namespace_id):
        return "admin"
    direct = RepositoryPermission.objects.filter(repository=repository, user=user).values_list("role")
    through_teams = RepositoryPermission.objects.filter(
        repository=repository,
        team__teammember__user=user,
        team__organization__namespace_id=repository.namespace_id,
    ).values_list("role")
    org_admin = TeamMember.objects.filter(
        user=user, team__role=Team.Role.ADMIN, team__organization__namespace_id=repository.namespace_id
    ).values_list("team__role")
    roles = {role for (role,) in direct.union(through_teams, org_admin, all=True)}
    return max(roles | {public_read}, key=ROLE_ORDER.__getitem__)


def repositories_visible_to(*, user: User | None, include_public: bool = True) -> QuerySet[Repository]:
    """Repositories ``user`` may at least read, for the catalog and listings. Without
    ``include_public``, only those readable through ownership, organization admin or a grant."""
    if user is None or not user.is_active:
        if include_public and _anonymous_may_read():
            return Repository.objects.filter(is_public=True)
        return Repository.objects.none()
    if _has_full_access(user):
        return Repository.objects.all()
    admin_namespaces = TeamMember.objects.filter(user=user, team__role=Team.Role.ADMIN).values(
        "team__organization__namespace_id"
    )
    granted = RepositoryPermission.objects.filter(
        Q(user=user)
        | Q(team__teammember__user=user, team__organization__namespace_id=F("repository__namespace_id"))
    ).values("repository_id")
    visible = Q(namespace_id__in=admin_namespaces) | Q(pk__in=granted)
    if include_public:
        visible |= Q(is_public=True)
    if user.namespace_id is not None:
        visible |= Q(namespace_id=user.namespace_id)
    return Repository.objects.filter(visible)


def robot_list(*, namespace: Namespace) -> QuerySet[RobotAccount]:
    """The namespace's robots; their tokens are stored only as hashes and never read back."""
    return RobotAccount.objects.filter(namespace=namespace).select_related("user").order_by("short_name")


def team_list(*, organization: Organization) -> QuerySet[Team]:
    return Team.objects.filter(organization=organization).order_by("name")


def permission_list(*, repository: Repository) -> QuerySet[RepositoryPermission]:
    return (
        RepositoryPermission.objects.filter(repository=repository)
        .select_related("user", "team")
        # Teams first, then users, the same on every database.
        .order_by(F("team__name").asc(nulls_last=True), F("user__username").asc(nulls_last=True))
    )


def prototype_list(*, organization: Organization) -> QuerySet[DefaultPermission]:
    return (
        DefaultPermission.objects.filter(organization=organization)
        .select_related("activating_user", "delegate_user", "delegate_team")
        .order_by("created", "pk")
    )


def app_token_list(*, user: User) -> QuerySet[AppToken]:
    """The user's tokens: title, code prefix, dates. The secret was never stored, only its hash."""
    return AppToken.objects.filter(user=user).defer("secret_hash").order_by("-created", "-pk")


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


def team_get(*, organization: Organization, name: str) -> Team:
    team = Team.objects.filter(organization=organization, name=name).select_related("organization__namespace")
    found = team.first()
    if found is None:
        raise NotFound(f"no team {name!r} in {organization}")
    return found


def repository_team_get(*, repository: Repository, name: str) -> Team:
    """A team of the organization owning the repository (none in a user's namespace)."""
    team = Team.objects.filter(organization__namespace_id=repository.namespace_id, name=name).first()
    if team is None:
        raise NotFound(f"no team {name!r} in {repository.namespace.name}")
    return team


def user_get(*, name: str) -> User:
    user = User.objects.filter(username=name, is_active=True).first()
    if user is None:
        raise NotFound(f"no user named {name!r}")
    return user
