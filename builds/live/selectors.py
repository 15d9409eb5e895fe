"""The reads of a build's watcher: may this user watch it, its lines after an index, its phase."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from builds.live.messages import line_payload
from builds.models import BuildLogEntry, RepositoryBuild
from orgs.models import User
from registry.selectors.roles import repository_role

# Lines per read, so a late watcher of a long build gets its backlog in steps.
LINES_PER_READ = 500


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


def build_lines_after(*, build_id: int, after: int, limit: int = LINES_PER_READ) -> list[dict[str, Any]]:
    entries = BuildLogEntry.objects.filter(build_id=build_id, index__gt=after).order_by("index")[:limit]
    return [line_payload(entry) for entry in entries]


def build_phase_get(*, build_id: int) -> str | None:
    return RepositoryBuild.objects.filter(pk=build_id).values_list("phase", flat=True).first()
