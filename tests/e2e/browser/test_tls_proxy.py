"""Behind a proxy that terminates TLS, the web UI works in a real browser: Chromium talks https
to a small TLS-terminating proxy started here, which forwards plain HTTP to the server with
``X-Forwarded-Proto: https`` as nginx or an OpenShift route would. Signing in and creating an
organization (forms, so Django's origin check) succeed, and the session cookie is Secure.

Settings without EXTERNAL_TLS_TERMINATION are tested in tests/quaysite/test_tls_proxy.py: that
file shows the 403 ("Origin checking failed") a form got behind a remote proxy. Here the proxy is
on 127.0.0.1, which gunicorn trusts for X-Forwarded-Proto by default (forwarded_allow_ips), so
the forms would pass without the setting too; what the setting still decides here is the cookie."""

from __future__ import annotations

import socket
import socketserver
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from quaysite.tls_selfsigned import certificates_ensure
from tests.e2e.browser.conftest import sign_in
from tests.e2e.conftest import RegistryServer, _free_port, registry_server_of_its_own

pytestmark = pytest.mark.e2e

HEAD_MAX = 64 * 1024
SOCKET_TIMEOUT = 30


def _pipe(source: socket.socket, target: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            target.sendall(chunk)
    except OSError:
        pass


class _TlsTerminatingProxy(socketserver.ThreadingTCPServer):
    """One request per connection: the request head gets X-Forwarded-Proto and Connection: close,
    then bytes flow both ways until the server closes."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, backend: tuple[str, int], context: ssl.SSLContext) -> None:
        self.backend, self.context = backend, context
        super().__init__(("127.0.0.1", port), _ProxyHandler)


class _ProxyHandler(socketserver.BaseRequestHandler):
    server: _TlsTerminatingProxy

    def handle(self) -> None:
        self.request.settimeout(SOCKET_TIMEOUT)
        try:
            client = self.server.context.wrap_socket(self.request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        with client:
            head = b""
            while b"\r\n\r\n" not in head and len(head) < HEAD_MAX:
                chunk = client.recv(65536)
                if not chunk:
                    return
                head += chunk
            end = head.find(b"\r\n\r\n")
            if end < 0:
                return
            request_line, *headers = head[:end].split(b"\r\n")
            kept = [h for h in headers if not h.lower().startswith((b"connection:", b"x-forwarded-proto:"))]
            forwarded = b"\r\n".join([request_line, *kept, b"X-Forwarded-Proto: https", b"Connection: close"])
            with socket.create_connection(self.server.backend, timeout=SOCKET_TIMEOUT) as upstream:
                upstream.sendall(forwarded + b"\r\n\r\n" + head[end + 4 :])
                body = threading.Thread(target=_pipe, args=(client, upstream), daemon=True)
                body.start()
                _pipe(upstream, client)


@pytest.fixture(scope="module")
def proxied_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    settings = {
        "QUAY_SERVER_HOSTNAME": f"localhost:{port}",
        "QUAY_PREFERRED_URL_SCHEME": "https",
        "QUAY_EXTERNAL_TLS_TERMINATION": "true",
    }
    certificates: Path = tmp_path_factory.mktemp("proxy-tls")
    certificates_ensure(certificates, ["localhost"])
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates / "server.crt", certificates / "server.key")
    server: RegistryServer
    with registry_server_of_its_own(request, tmp_path_factory, settings) as server:
        host, backend_port = server.host.rsplit(":", 1)
        proxy = _TlsTerminatingProxy(port, (host, int(backend_port)), context)
        thread = threading.Thread(target=proxy.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
        thread.start()
        try:
            yield f"https://localhost:{port}"
        finally:
            proxy.shutdown()
            proxy.server_close()
            thread.join(10)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    # The proxy's certificate comes from a CA made for this test; what is tested is the server
    # behind it, not the certificate chain.
    return {**browser_context_args, "ignore_https_errors": True}


def test_signing_in_and_creating_an_organization_through_a_tls_terminating_proxy(
    web: Page, proxied_url: str
) -> None:
    sign_in(web, proxied_url, "alice")
    cookies = {cookie["name"]: cookie for cookie in web.context.cookies()}
    assert cookies["sessionid"]["secure"] is True
    web.goto(f"{proxied_url}/organizations/")
    web.fill("#id_name", "tlsproxyorg")
    web.locator("main form.stack button[type=submit]").click()
    web.wait_for_url(f"{proxied_url}/organization/tlsproxyorg/")
    expect(web.locator("h1")).to_contain_text("tlsproxyorg")
