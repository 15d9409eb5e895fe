"""Background jobs of the registry core: thin wrappers over services, enqueued by quaysite.jobs."""

from __future__ import annotations

from registry.services.upload_cleanup import uploads_stale_cleanup


def uploads_stale_cleanup_task() -> int:
    return uploads_stale_cleanup()
