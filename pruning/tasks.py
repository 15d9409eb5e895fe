"""Background jobs of auto-pruning: thin wrappers over the worker, enqueued by quaysite.jobs."""

from __future__ import annotations

from pruning.worker import autoprune_run


def autoprune_task() -> int:
    """The periodic job (every AUTO_PRUNING_POLL_PERIOD seconds): how many namespaces it ran."""
    return len(autoprune_run())
