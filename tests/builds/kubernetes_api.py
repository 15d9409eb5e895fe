"""A real HTTP server standing in for the Kubernetes API: it answers each request with the
recorded response of its scenario (kubernetes_exchanges.json) and keeps every request it got,
body included, for the test to assert on. A request no recorded exchange answers gets a 599,
so an unexpected call fails the test rather than passing unseen."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

EXCHANGES = json.loads((Path(__file__).parent / "kubernetes_exchanges.json").read_text())


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class KubernetesApi:
    url: str
    exchanges: list[dict[str, Any]]
    requests: list[RecordedRequest] = field(default_factory=list)

    def answer(self, method: str, path: str) -> dict[str, Any] | None:
        for exchange in self.exchanges:
            if exchange["method"] == method and exchange["path"] == path:
                return exchange
        return None


def _handler(api: KubernetesApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _replay(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            api.requests.append(
                RecordedRequest(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers={name.lower(): value for name, value in self.headers.items()},
                    body=json.loads(raw) if raw else None,
                )
            )
            exchange = api.answer(self.command, parts.path)
            status, body = (exchange["status"], exchange["body"]) if exchange else (599, {"unrecorded": True})
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_DELETE = do_PATCH = _replay

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


@contextmanager
def kubernetes_api_replaying(*scenarios: str) -> Iterator[KubernetesApi]:
    exchanges = [exchange for scenario in scenarios for exchange in EXCHANGES[scenario]]
    api = KubernetesApi(url="", exchanges=exchanges)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
