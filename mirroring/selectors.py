"""Reads of mirror configurations."""

from __future__ import annotations

from mirroring.errors import MirrorNotFound
from mirroring.models import RepositoryMirror
from registry.models import Repository


def mirror_get(*, repository: Repository) -> RepositoryMirror:
    mirror = RepositoryMirror.objects.select_related("robot").filter(repository=repository).first()
    if mirror is None:
        raise MirrorNotFound(f"no mirror configuration for the repository {repository}")
    return mirror
