"""Reads for repository access: a user's effective role on a repository, the repositories they may
read, and a repository's grants.

Effective repository role, as in Quay: the highest of a direct grant, the grants of the user's
teams, organization admin, namespace owner, superuser (where configured) and public read.
A disabled user counts as anonymous; a robot has only its own grants and teams.
"""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

from orgs.errors import NotFound
from orgs.models import RepositoryPermission, Team, TeamMember, User
from orgs.selectors.identity import ROLE_ORDER, anonymous_may_read, has_full_access
from registry.models import Repository


def repository_role(*, user: User | None, repository: Repository) -> str | None:
    """'read', 'write', 'admin' or None for ``user`` (None: anonymous). At most one query."""
    public_read = "read" if repository.is_public else None
    if user is None or not user.is_active:
        return public_read if anonymous_may_read() else None
    if has_full_access(user) or (user.namespace_id and user.namespace_id == repository.namespace_id):
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
        if include_public and anonymous_may_read():
            return Repository.objects.filter(is_public=True)
        return Repository.objects.none()
    if has_full_access(user):
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


def permission_list(*, repository: Repository, grantee: str | None = None) -> QuerySet[RepositoryPermission]:
    """The repository's direct grants; ``grantee`` 'user' (users and robots) or 'team' keeps one
    kind."""
    grants = RepositoryPermission.objects.filter(repository=repository)
    if grantee == "user":
        grants = grants.filter(user__isnull=False)
    elif grantee == "team":
        grants = grants.filter(team__isnull=False)
    return grants.select_related("user", "team").order_by(
        # Teams first, then users, the same on every database.
        F("team__name").asc(nulls_last=True),
        F("user__username").asc(nulls_last=True),
    )


def permission_get(
    *, repository: Repository, user: User | None = None, team: Team | None = None
) -> RepositoryPermission:
    """The direct grant of ``user`` or ``team`` on the repository; NotFound when there is none."""
    grantee = {"user": user} if user is not None else {"team": team}
    permission = permission_list(repository=repository).filter(**grantee).first()
    if permission is None:
        raise NotFound(f"no grant on {repository} for {user if user is not None else team}")
    return permission


def repository_team_get(*, repository: Repository, name: str) -> Team:
    """A team of the organization owning the repository (none in a user's namespace)."""
    team = Team.objects.filter(organization__namespace_id=repository.namespace_id, name=name).first()
    if team is None:
        raise NotFound(f"no team {name!r} in {repository.namespace.name}")
    return team


def repository_roles_of(*, user: User, repository: Repository) -> list[str]:
    """Quay's transitive permission: the user's direct grant and their teams' grants on the
    repository, each role once, highest first."""
    direct = RepositoryPermission.objects.filter(repository=repository, user=user).values_list("role")
    through_teams = RepositoryPermission.objects.filter(
        repository=repository,
        team__teammember__user=user,
        team__organization__namespace_id=repository.namespace_id,
    ).values_list("role")
    roles = {role for (role,) in direct.union(through_teams, all=True)}
    order = {"admin": 0, "write": 1, "read": 2}
    return sorted(roles, key=order.__getitem__)
