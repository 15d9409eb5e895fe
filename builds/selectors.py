"""Reads of builds: a repository's list, one build, its log lines from the rows or the archive."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import BinaryIO

from django.db.models import QuerySet

from builds.archive import build_logs_archived_read, entry_json
from builds.errors import BuildNotFound
from builds.models import BuildLogEntry, RepositoryBuild
from builds.tokens import build_token_read
from orgs.errors import NotFound, NotPermitted
from orgs.models import RobotAccount, User
from orgs.selectors.identity import namespace_role
from registry.models import Repository
from registry.storage import preferred_location, storage_for
from registry.storage.paths import filedrop_path

LOG_PAGE_MAX = 5000


def _builds() -> QuerySet[RepositoryBuild]:
    return RepositoryBuild.objects.select_related(
        "repository__namespace", "trigger", "pull_robot", "performer"
    )


def build_list(
    *, repository: Repository, limit: int = 5, since: datetime | None = None
) -> list[RepositoryBuild]:
    """The newest first, as Quay lists them."""
    builds = _builds().filter(repository=repository)
    if since is not None:
        builds = builds.filter(started__gte=since)
    return list(builds.order_by("-started", "-pk")[:limit])


def build_get(*, repository: Repository, build_uuid: str) -> RepositoryBuild:
    build = _builds().filter(repository=repository, uuid=build_uuid).first() if _is_uuid(build_uuid) else None
    if build is None:
        raise BuildNotFound(f"no build {build_uuid} in the repository {repository}")
    return build


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def build_logs_page(*, build: RepositoryBuild, start: int = 0) -> tuple[int, list[dict]]:
    """(total, the entries from index ``start``, at most LOG_PAGE_MAX), from the rows while
    the build's log is live, from the archive once it is archived."""
    if build.logs_archived:
        entries = build_logs_archived_read(build=build)
        return len(entries), entries[start : start + LOG_PAGE_MAX]
    rows = BuildLogEntry.objects.filter(build=build, index__gte=start).order_by("index")[:LOG_PAGE_MAX]
    page = [entry_json(entry) for entry in rows]
    last = (
        BuildLogEntry.objects.filter(build=build).order_by("-index").values_list("index", flat=True).first()
    )
    # The rows may have been archived and deleted between the two reads.
    if not page and last is None and start == 0:
        build.refresh_from_db(fields=["logs_archived"])
        if build.logs_archived:
            return build_logs_page(build=build, start=start)
    return (0 if last is None else last + 1), page


def build_for_agent(*, build_uuid: str, token: str) -> tuple[RepositoryBuild, int] | None:
    """The build a builder's agent token is for, and its attempt; None for a bad token."""
    claims = build_token_read(token, purpose="agent")
    if claims is None or claims.build_uuid != build_uuid or not _is_uuid(build_uuid):
        return None
    build = _builds().filter(uuid=build_uuid).first()
    return (build, claims.attempt) if build is not None else None


def pull_robot_get(*, actor: User | None, username: str) -> User:
    """The robot named as a build's pull robot, which the caller must administer (as Quay asks:
    an admin of the robot's namespace); NotFound for no such robot."""
    robot = RobotAccount.objects.select_related("user", "namespace").filter(user__username=username).first()
    if robot is None or not robot.user.is_active:
        raise NotFound(f"no robot named {username!r}")
    if actor is not None and namespace_role(user=actor, namespace=robot.namespace) != "admin":
        raise NotPermitted(f"{actor} does not administer the robot {username}")
    return robot.user


def build_context_open(*, build: RepositoryBuild) -> BinaryIO | None:
    """The uploaded context's bytes as a stream, or None for a build from another source."""
    if build.source.get("kind") != "archive":
        return None
    return storage_for(preferred_location()).open(filedrop_path(build.source["resource_key"]))


def pull_robot_names(*, actor: User | None, repository: Repository) -> list[str]:
    """The robots the caller may name as a build's pull robot: the repository's namespace's,
    for its admins."""
    if actor is None or namespace_role(user=actor, namespace=repository.namespace) != "admin":
        return []
    return list(
        RobotAccount.objects.filter(namespace=repository.namespace, user__is_active=True)
        .order_by("user__username")
        .values_list("user__username", flat=True)
    )
