"""Read by gunicorn when it starts in this directory (`make run`, the end-to-end tests, the image).

Access log lines never carry a token or password from a query string. TLS comes from the
registry's own configuration (SSL_CERT_PATH, SSL_KEY_PATH), read by the master before it binds,
so a server given certificates never answers plain HTTP. With PROMETHEUS_MULTIPROC_DIR set, each
worker writes its metrics to files there; a worker that exits must be marked dead so its live
gauges stop counting (its counters are kept).
"""

from __future__ import annotations

import os
from typing import Any

from quaysite.config import load_config

logger_class = "quaysite.access_log.RedactingLogger"

_config = load_config()
if _config["SSL_CERT_PATH"]:
    certfile = _config["SSL_CERT_PATH"]
    keyfile = _config["SSL_KEY_PATH"]


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
