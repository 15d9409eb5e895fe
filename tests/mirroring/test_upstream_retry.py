"""429 and 503 from an upstream are retried a bounded number of times. A small HTTP server
stands in front of the real docker-registry and throttles the first requests."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mirroring.sync import mirror_sync
from mirroring.upstream import RETRIES, UpstreamClient, UpstreamError
from tests.mirroring.conftest import never_cancelled


class Throttle:
    """Answers ``status`` to the first ``refusals`` requests, then forwards to ``target``."""

    def __init__(self, target: str, refusals: int, status: int = 429) -> None:
        self.target, self.refusals, self.status = target, refusals, status
        self.seen = 0
        throttle = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                throttle.seen += 1
                if throttle.seen <= throttle.refusals:
                    self.send_response(throttle.status)
                    self.send_header("Retry-After", "0")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                request = urllib.request.Request(
                    f"http://{throttle.target}{self.path}", headers=dict(self.headers)
                )
                try:
                    answer = urllib.request.urlopen(request, timeout=10)
                except urllib.error.HTTPError as error:
                    answer = error
                body = answer.read()
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Throttle:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def throttled(upstream) -> Iterator[Throttle]:
    with Throttle(upstream.host, refusals=RETRIES) as throttle:
        yield throttle


@pytest.mark.django_db
def test_throttled_upstream_is_retried_until_it_answers(throttled, upstream, images, new_mirror):
    pushed = images.push_image(upstream, "throttled:1", [b"throttled layer" * 100])
    mirror = new_mirror("throttled", f"{throttled.host}/throttled")

    report = mirror_sync(mirror, cancelled=never_cancelled)

    assert report.failed_reason is None, report
    assert report.tags_synced == 1
    assert mirror.repository.tags.get(name="1").manifest.digest == pushed
    assert throttled.seen > RETRIES


@pytest.mark.parametrize("status", [429, 503])
def test_retries_are_bounded(upstream, status):
    with Throttle(upstream.host, refusals=100, status=status) as throttle:
        client = UpstreamClient(reference=f"{throttle.host}/anything", verify_tls=False)
        client.scheme = "http"

        with pytest.raises(UpstreamError, match=f"answered {status}"):
            client.ping()

    assert throttle.seen == RETRIES + 1
