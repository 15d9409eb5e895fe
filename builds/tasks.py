"""Background jobs of builds: thin wrappers over the manager and the log archive."""

from __future__ import annotations

from builds.archive import build_logs_archive
from builds.manager import build_dispatch, builds_watch


def build_dispatch_task(build_id: int) -> None:
    build_dispatch(build_id=build_id)


def build_logs_archive_task(build_id: int) -> None:
    build_logs_archive(build_id=build_id)


def builds_watch_task() -> int:
    """The periodic job: expires builds past BUILD_TIMEOUT, restarts those whose executor was
    lost; how many builds it moved."""
    return builds_watch()
