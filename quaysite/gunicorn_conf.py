"""gunicorn's settings file (`make run`, the end-to-end servers): hooks, not options.

With PROMETHEUS_MULTIPROC_DIR set, each worker writes its metrics to files there; a worker that
exits must be marked dead so its live gauges stop counting (its counters are kept).
"""

from __future__ import annotations

import os
from typing import Any


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
