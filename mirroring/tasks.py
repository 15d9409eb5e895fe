"""Background jobs of mirroring: thin wrappers over the worker, enqueued by quaysite.jobs."""

from __future__ import annotations

from mirroring.worker import mirrors_run


def mirror_task() -> int:
    """The periodic job (every REPO_MIRROR_INTERVAL seconds): how many mirrors it synced."""
    return len(mirrors_run())
