"""Read by gunicorn when it starts in this directory (`make run`, the end-to-end tests, the image).

Access log lines never carry a token or password from a query string. TLS comes from the
registry's own configuration (SSL_CERT_PATH, SSL_KEY_PATH), read by the master before it binds,
so a server given certificates never answers plain HTTP. With PROMETHEUS_MULTIPROC_DIR set, each
worker writes its metrics to files there; a worker that exits must be marked dead so its live
gauges stop counting (its counters are kept). With WEBSOCKET_PORT set, the master starts the
live build logs' websocket server (uvicorn, quaysite.asgi) beside its workers, with the same
certificates, and stops it when it exits. Chunked request bodies (podman's and skopeo's layer
uploads) are decoded by quaysite.chunked_body instead of gunicorn's own reader, which measured
several times slower.
"""

from __future__ import annotations

import os
import subprocess
from typing import Any

from quaysite import chunked_body
from quaysite.config import load_config
from quaysite.websocket_server import websocket_host, websocket_server_start, websocket_server_stop

logger_class = "quaysite.access_log.RedactingLogger"

chunked_body.install()

_config = load_config()
if _config["SSL_CERT_PATH"]:
    certfile = _config["SSL_CERT_PATH"]
    keyfile = _config["SSL_KEY_PATH"]

_websocket_server: list[subprocess.Popen[bytes]] = []


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def when_ready(server: Any) -> None:
    if _config["WEBSOCKET_PORT"]:
        process = websocket_server_start(
            host=websocket_host(server.cfg.bind[0]),
            port=_config["WEBSOCKET_PORT"],
            certfile=_config["SSL_CERT_PATH"],
            keyfile=_config["SSL_KEY_PATH"],
        )
        _websocket_server.append(process)


def on_exit(server: Any) -> None:
    for process in _websocket_server:
        websocket_server_stop(process)
