"""The reads of a build's watcher: may this user watch it, its lines after an index, its phase."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from builds.models import RepositoryBuild
from builds.selectors import LOG_PAGE_MAX, build_logs_page
from orgs.models import User
from registry.selectors.roles import repository_role

# Lines per read, so a late watcher of a long build gets its backlog in steps.
LINES_PER_READ = LOG_PAGE_MAX


@dataclass(frozen=True)
class WatchedBuild:
    id: int
    uuid: UUID
    phase: str


def build_get_watchable(*, user: User | None, build_uuid: UUID) -> WatchedBuild | None:
    """The build when ``user`` may read its repository; None when it is missing or unreadable
    alike, so a private repository's builds never show that they exist."""
    build = RepositoryBuild.objects.select_related("repository").filter(uuid=build_uuid).first()
    if build is None or repository_role(user=user, repository=build.repository) is None:
        return None
    return WatchedBuild(id=build.pk, uuid=build.uuid, phase=build.phase)


def build_lines_after(*, build_id: int, after: int) -> list[dict[str, Any]]:
    """The lines from index ``after`` + 1, from the rows or, once the build ended and its log
    was archived (the rows deleted), from the archive."""
    build = RepositoryBuild.objects.filter(pk=build_id).first()
    if build is None:
        return []
    return build_logs_page(build=build, start=after + 1)[1]


def build_phase_get(*, build_id: int) -> str | None:
    return RepositoryBuild.objects.filter(pk=build_id).values_list("phase", flat=True).first()
