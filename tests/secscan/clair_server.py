"""A small HTTP server speaking Clair v4's documented indexer and matcher shapes (the
IndexReport and VulnerabilityReport of Clair's OpenAPI document), checking each request's
pre-shared-key JWT as Clair does, and keeping what it was sent."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt

INDEX_PATH = "/indexer/api/v1/index_report"
REPORT_PATH = "/matcher/api/v1/vulnerability_report/"


@dataclass
class FakeClair:
    url: str
    psk: str
    indexed: list[dict] = field(default_factory=list)
    refused: int = 0
    # Manifests Clair cannot index (its state IndexError).
    failing: set[str] = field(default_factory=set)


def vulnerability_report(manifest_hash: str, first_layer: str) -> dict:
    environment = [
        {"package_db": "var/lib/dpkg/status", "introduced_in": first_layer, "distribution_id": "1"}
    ]
    vulnerability = {
        "id": "101",
        "updater": "debian/updater",
        "name": "CVE-2026-0001",
        "description": "openssl: a test flaw",
        "issued": "2026-01-09T00:00:00Z",
        "links": "https://security-tracker.debian.org/tracker/CVE-2026-0001",
        "severity": "high",
        "normalized_severity": "High",
        "package": {"id": "", "name": "openssl", "version": "", "kind": "binary"},
        "distribution": {
            "id": "1",
            "did": "debian",
            "name": "Debian GNU/Linux",
            "version": "12",
            "version_id": "12",
        },
        "repository": {},
        "fixed_in_version": "3.0.11-1~deb12u2",
    }
    return {
        "manifest_hash": manifest_hash,
        "packages": {
            "1": {"id": "1", "name": "openssl", "version": "3.0.11-1~deb12u1", "kind": "binary"},
            "2": {"id": "2", "name": "bash", "version": "5.2.15-2+b2", "kind": "binary"},
        },
        "distributions": {"1": {"id": "1", "did": "debian", "name": "Debian GNU/Linux", "version_id": "12"}},
        "environments": {"1": environment, "2": environment},
        # Clair lists a vulnerability once per repository it came from: Quay shows it once.
        "vulnerabilities": {
            "101": vulnerability,
            "102": {**vulnerability, "id": "102", "fixed_in_version": "0"},
        },
        "package_vulnerabilities": {"1": ["101", "102"]},
        "enrichments": {},
    }


@contextmanager
def clair_running(psk_bytes: bytes = b"clair-pre-shared-key-for-tests-32") -> Iterator[FakeClair]:
    state = FakeClair(url="", psk=base64.b64encode(psk_bytes).decode())

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _authorized(self) -> bool:
            header = self.headers.get("Authorization", "")
            try:
                claims = jwt.decode(header.removeprefix("Bearer "), psk_bytes, algorithms=["HS256"])
            except jwt.PyJWTError:
                return False
            return claims.get("iss") == "quay"

        def _reply(self, status: int, body: dict, headers: dict | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            if not self._authorized():
                state.refused += 1
                return self._reply(401, {"code": "unauthorized", "message": "bad token"})
            if self.path != INDEX_PATH:
                return self._reply(404, {"code": "not-found", "message": self.path})
            state.indexed.append(body)
            failed = body["hash"] in state.failing
            report = {
                "manifest_hash": body["hash"],
                "state": "IndexError" if failed else "IndexFinished",
                "packages": {},
                "distributions": {},
                "repository": {},
                "environments": {},
                "success": not failed,
                "err": "fetching layer: connection refused" if failed else "",
            }
            self._reply(201, report, {"ETag": '"indexer-state-1"'})

        def do_GET(self) -> None:  # noqa: N802
            if not self._authorized():
                state.refused += 1
                return self._reply(401, {"code": "unauthorized", "message": "bad token"})
            if not self.path.startswith(REPORT_PATH):
                return self._reply(404, {"code": "not-found", "message": self.path})
            manifest_hash = self.path[len(REPORT_PATH) :]
            sent = next((body for body in state.indexed if body["hash"] == manifest_hash), None)
            if sent is None:
                return self._reply(404, {"code": "not-found", "message": "no index report"})
            self._reply(200, vulnerability_report(manifest_hash, sent["layers"][0]["hash"]))

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
