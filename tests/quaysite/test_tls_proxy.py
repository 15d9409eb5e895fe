"""Behind a proxy that terminates TLS, web forms work and cookies and headers are https-only."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from quaysite.config import ConfigError, load_config
from quaysite.web_security import HSTS_SECONDS, web_security_settings
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
HOST = "registry.example.com"
# Request environ extras, as the test client takes them.
PROXIED: dict[str, Any] = {"HTTP_HOST": HOST, "HTTP_X_FORWARDED_PROTO": "https"}
TLS_PROXY = {
    "QUAY_SERVER_HOSTNAME": HOST,
    "QUAY_PREFERRED_URL_SCHEME": "https",
    "QUAY_EXTERNAL_TLS_TERMINATION": "true",
}


def _apply(settings, environ: dict[str, str]) -> None:
    for name, value in web_security_settings(load_config(environ)).items():
        setattr(settings, name, value)


def _sign_in(client: Client):
    client.get("/signin", **PROXIED)
    return client.post(
        "/signin",
        {"username": "alice", "password": PASSWORD, "csrfmiddlewaretoken": client.cookies["csrftoken"].value},
        HTTP_ORIGIN=f"https://{HOST}",
        **PROXIED,
    )


def test_sign_in_through_a_tls_terminating_proxy_succeeds(settings, alice):
    _apply(settings, TLS_PROXY)
    response = _sign_in(Client(enforce_csrf_checks=True))
    assert response.status_code == 302, response.content[:300]
    assert response.cookies["sessionid"]["secure"] is True
    assert response["Strict-Transport-Security"] == f"max-age={HSTS_SECONDS}"


def test_without_the_proxy_settings_the_same_sign_in_is_refused(settings, alice):
    """What the fix is for: Django compares Origin https://... with the request's http://."""
    _apply(settings, {})
    assert _sign_in(Client(enforce_csrf_checks=True)).status_code == 403


def test_https_scheme_alone_trusts_the_configured_origin(settings, alice):
    _apply(settings, {"QUAY_SERVER_HOSTNAME": HOST, "QUAY_PREFERRED_URL_SCHEME": "https"})
    assert settings.CSRF_TRUSTED_ORIGINS == [f"https://{HOST}"]
    assert settings.SECURE_PROXY_SSL_HEADER is None
    assert _sign_in(Client(enforce_csrf_checks=True)).status_code == 302


def test_csrf_cookie_is_secure_under_https(settings, alice):
    _apply(settings, TLS_PROXY)
    client = Client(enforce_csrf_checks=True)
    response = client.get("/signin", **PROXIED)
    assert response.cookies["csrftoken"]["secure"] is True


def test_plain_http_keeps_cookies_usable_and_sends_no_hsts(settings, alice):
    _apply(settings, {})
    response = Client().post("/signin", {"username": "alice", "password": PASSWORD}, HTTP_HOST=HOST)
    assert response.status_code == 302
    assert not response.cookies["sessionid"]["secure"]
    assert "Strict-Transport-Security" not in response


def test_the_settings_module_takes_them_from_the_configuration():
    expected = web_security_settings(load_config())
    assert django_settings.CSRF_TRUSTED_ORIGINS == expected["CSRF_TRUSTED_ORIGINS"]
    assert django_settings.SECURE_PROXY_SSL_HEADER == expected["SECURE_PROXY_SSL_HEADER"]


def test_tls_termination_without_https_scheme_is_a_config_error():
    with pytest.raises(ConfigError, match="EXTERNAL_TLS_TERMINATION"):
        load_config({"QUAY_EXTERNAL_TLS_TERMINATION": "true"})
