"""Stars: a user marks repositories they read, to find them again in their starred list."""

from __future__ import annotations

from orgs.models import User
from registry.models import Repository, RepositoryStar


def repository_star(*, user: User, repository: Repository) -> None:
    """Starring twice keeps one star, as in Quay. The caller has checked the user reads it."""
    RepositoryStar.objects.get_or_create(user=user, repository=repository)


def repository_unstar(*, user: User, repository: Repository) -> None:
    RepositoryStar.objects.filter(user=user, repository=repository).delete()
