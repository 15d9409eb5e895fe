"""Background jobs of scanning: thin wrappers over the worker, enqueued by quaysite.jobs."""

from __future__ import annotations

from secscan.worker import security_worker_run


def security_scan_task() -> int:
    """Every SECURITY_SCANNER_INDEXING_INTERVAL seconds: manifests scanned or matched again."""
    run = security_worker_run()
    return run.scanned + run.failed + run.rematched
