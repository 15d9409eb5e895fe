"""No token or password reaches the access log (the e2e server's stdout): a login flow with
podman, an OAuth token login, and clients that put credentials in query strings."""

from __future__ import annotations

import secrets
import urllib.error
import urllib.request
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import PASSWORDS
from tests.e2e.test_oauth_token_login import _tokens

if TYPE_CHECKING:
    from tests.e2e.conftest import RegistryServer

pytestmark = pytest.mark.e2e


def _request(url: str, *, data: bytes | None = None) -> None:
    try:
        urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10).close()
    except urllib.error.HTTPError:
        pass  # refusals are fine; only the log line matters


def test_no_secret_reaches_the_access_log(registry_server: RegistryServer, new_tools):
    oauth_token, _ = _tokens(registry_server, ("repo:read",), ("user:read",))
    tools = new_tools("access-log")
    tools.login("alice")
    tools.run("podman", "login", "--tls-verify=false", "-u", "$oauthtoken", "-p", oauth_token, tools.registry)
    planted = {name: f"planted{secrets.token_hex(8)}" for name in ("api", "v2", "secret", "code", "refresh")}
    base = registry_server.url
    _request(f"{base}/api/v1/user/?access_token={planted['api']}")
    _request(f"{base}/api/v1/user/?access_token={oauth_token}")
    _request(f"{base}/v2/auth?service=x&scope=repository:alice/app:pull&password={planted['v2']}")
    _request(
        f"{base}/oauth/token?grant_type=authorization_code&client_secret={planted['secret']}&code={planted['code']}",
        data=b"",
    )
    _request(f"{base}/oauth/authorize?response_type=code&client_id=x&refresh_token={planted['refresh']}")

    log = registry_server.stdout_log.read_text()
    assert "/oauth/token" in log and "/api/v1/user/" in log and "REDACTED" in log
    for secret in [*planted.values(), oauth_token, *PASSWORDS.values()]:
        assert secret not in log
