# Read by gunicorn when it starts in this directory (`make run`, the end-to-end tests).
import subprocess

from gunicorn.arbiter import Arbiter

from quaysite.config import load_config
from quaysite.websocket_server import websocket_host, websocket_server_start, websocket_server_stop

# Access log lines never carry a token or password from a query string.
logger_class = "quaysite.access_log.RedactingLogger"

# The live build logs' websockets: a uvicorn child beside the WSGI workers, on WEBSOCKET_PORT.
_websocket_server: list[subprocess.Popen[bytes]] = []


def when_ready(server: Arbiter) -> None:
    port = load_config()["WEBSOCKET_PORT"]
    if port:
        host = websocket_host(server.cfg.bind[0])
        _websocket_server.append(websocket_server_start(host=host, port=port))


def on_exit(server: Arbiter) -> None:
    for process in _websocket_server:
        websocket_server_stop(process)
