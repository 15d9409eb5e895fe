"""Background jobs of builds: thin wrappers over the manager and the log archive."""

from __future__ import annotations

from datetime import timedelta

from builds.archive import build_logs_archive
from builds.manager import build_dispatch, builds_watch
from builds.services.filedrop import filedrops_expire

# An upload serves the builds started from it; a day leaves time to start one after uploading.
FILEDROP_KEEP = timedelta(days=1)


def build_dispatch_task(build_id: int) -> None:
    build_dispatch(build_id=build_id)


def build_logs_archive_task(build_id: int) -> None:
    build_logs_archive(build_id=build_id)


def builds_watch_task() -> int:
    """The periodic job: expires builds past BUILD_TIMEOUT, restarts those whose executor was
    lost, and drops uploads a day old that no running build needs; how many builds it moved."""
    moved = builds_watch()
    filedrops_expire(older_than=FILEDROP_KEEP)
    return moved
