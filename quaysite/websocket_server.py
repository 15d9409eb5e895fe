"""The websocket server `make run` starts beside gunicorn: uvicorn serving quaysite.asgi on
WEBSOCKET_PORT, the same host.

gunicorn's master starts it once it listens and stops it when it exits (gunicorn.conf.py), so
one command still runs the whole registry. The child stays in gunicorn's process group: a
supervisor that kills the group takes it too.
"""

from __future__ import annotations

import logging
import subprocess
import sys

logger = logging.getLogger(__name__)

STOP_TIMEOUT = 5


def websocket_host(bind: str) -> str:
    """The host part of a gunicorn bind address ('127.0.0.1:8080', '[::1]:8080', '0.0.0.0')."""
    if bind.startswith("["):
        return bind[1 : bind.index("]")]
    if bind.startswith(("unix:", "fd://")):
        return "127.0.0.1"
    host = bind.rpartition(":")[0] if ":" in bind else bind
    return host or "127.0.0.1"


def websocket_server_start(
    *, host: str, port: int, certfile: str = "", keyfile: str = ""
) -> subprocess.Popen[bytes]:
    """uvicorn on ``host:port``; with a certificate (the registry's SSL_CERT_PATH), wss only."""
    command = [
        sys.executable, "-m", "uvicorn", "quaysite.asgi:application",
        "--host", host,
        "--port", str(port),
        # Channels needs no lifespan events; the websocket handshakes are the whole traffic.
        "--lifespan", "off",
        "--no-access-log",
    ]  # fmt: skip
    if certfile:
        command += ["--ssl-certfile", certfile, "--ssl-keyfile", keyfile]
    logger.info("websockets (live build logs) on %s://%s:%s/ws/", "wss" if certfile else "ws", host, port)
    return subprocess.Popen(command)


def websocket_server_stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)
