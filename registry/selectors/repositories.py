"""Reads of repositories: by name for the registry, as a person may see it for the API and the
pages, listings, search, stars and the catalog.

A repository the caller may not read is answered exactly as one that does not exist, so a
private repository's name never leaks.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Concat

from orgs.errors import NotFound
from orgs.models import Namespace, User
from registry.errors import NameInvalid, NameUnknown
from registry.models import Repository, RepositoryStar
from registry.names import repository_name_split
from registry.selectors.hot_path import repository_by_name
from registry.selectors.roles import repositories_visible_to, repository_role


def repository_get(*, full_name: str) -> Repository:
    """The registry's lookup (one query): NameUnknown when missing; no access check."""
    namespace, name = repository_name_split(full_name)
    repository = repository_by_name(namespace=namespace, name=name)
    if repository is None:
        raise NameUnknown(detail={"name": full_name})
    return repository


def repository_exists(*, namespace: str, name: str) -> bool:
    return Repository.objects.filter(namespace__name=namespace, name=name).exists()


def repository_find(*, namespace: Namespace, name: str) -> Repository | None:
    return Repository.objects.filter(namespace=namespace, name=name).first()


@dataclass(frozen=True)
class RepositoryAccess:
    repository: Repository
    role: str


def repository_get_readable(*, user: User | None, full_name: str) -> RepositoryAccess:
    """The repository and the caller's role on it; NotFound when missing or unreadable alike."""
    try:
        namespace, name = repository_name_split(full_name)
    except NameInvalid:
        raise NotFound(f"no repository {full_name!r}") from None
    repository = (
        Repository.objects.select_related("namespace").filter(namespace__name=namespace, name=name).first()
    )
    role = repository_role(user=user, repository=repository) if repository is not None else None
    if repository is None or role is None:
        raise NotFound(f"no repository {full_name!r}")
    return RepositoryAccess(repository=repository, role=role)


def repository_list_visible(
    *,
    user: User | None,
    namespace: str | None,
    public: bool,
    name_contains: str | None = None,
    is_public: bool | None = None,
) -> QuerySet[Repository]:
    """Quay's listing: repositories the caller reads through ownership, admin or a grant, plus
    (``public``) every public one, narrowed to ``namespace`` when given; the pages also narrow
    by part of the name and by visibility."""
    visible = repositories_visible_to(user=user, include_public=public)
    if namespace:
        visible = visible.filter(namespace__name=namespace)
    if name_contains:
        visible = visible.filter(name__icontains=name_contains)
    if is_public is not None:
        visible = visible.filter(is_public=is_public)
    return visible.select_related("namespace").order_by("namespace__name", "name")


def repository_search(*, user: User | None, text: str, offset: int, limit: int) -> list[Repository]:
    """Readable repositories (public ones included) whose name or namespace contains ``text``,
    by full name, from ``offset``: at most ``limit`` of them."""
    visible = repository_list_visible(user=user, namespace=None, public=True)
    if text:
        visible = visible.filter(Q(name__icontains=text) | Q(namespace__name__icontains=text))
    return list(visible[offset : offset + limit])


def repository_list_starred(*, user: User, namespace: str | None = None) -> QuerySet[Repository]:
    """The repositories the user starred and still reads, by name: a star outlives neither the
    user's access nor the repository."""
    visible = repositories_visible_to(user=user, include_public=True).filter(stars__user=user)
    if namespace:
        visible = visible.filter(namespace__name=namespace)
    return visible.select_related("namespace").order_by("namespace__name", "name")


def repository_starred_ids(*, user: User | None, repositories: list[Repository]) -> set[int]:
    """Which of ``repositories`` the user starred, in one query (none for the anonymous)."""
    if user is None or not user.is_authenticated or not repositories:
        return set()
    starred = RepositoryStar.objects.filter(user=user, repository__in=repositories)
    return set(starred.values_list("repository_id", flat=True))


def catalog_list(*, user_id: int | None, last: str | None, limit: int | None) -> list[str]:
    """/v2/_catalog: the full names the user may read, sorted, after ``last``."""
    # Read afresh: a user disabled since the token was issued sees what anonymous sees.
    user = User.objects.filter(pk=user_id).first() if user_id else None
    names = (
        repositories_visible_to(user=user)
        .annotate(full_name=Concat("namespace__name", Value("/"), "name"))
        .order_by("full_name")
        .values_list("full_name", flat=True)
    )
    if last:
        names = names.filter(full_name__gt=last)
    if limit is not None:
        names = names[:limit]
    return list(names)
