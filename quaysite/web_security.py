"""Django's transport-security settings, derived from Quay's keys for how clients reach us.

Behind a proxy that terminates TLS (``EXTERNAL_TLS_TERMINATION``), requests arrive over plain
HTTP: Django must learn the original scheme from the proxy's ``X-Forwarded-Proto``, or its CSRF
check compares the browser's ``Origin: https://...`` with ``http://...`` and refuses every form.
"""

from __future__ import annotations

from typing import Any

# Browsers remember "https only" this long (a year, the usual preload minimum).
HSTS_SECONDS = 31536000


def web_security_settings(config: dict[str, Any]) -> dict[str, Any]:
    https = config["PREFERRED_URL_SCHEME"] == "https"
    hostname = config["SERVER_HOSTNAME"]
    values: dict[str, Any] = {
        "CSRF_TRUSTED_ORIGINS": [f"{config['PREFERRED_URL_SCHEME']}://{hostname}"] if hostname else [],
        "SESSION_COOKIE_SECURE": https,
        "CSRF_COOKIE_SECURE": https,
        # SecurityMiddleware sends it on requests it sees as secure only, as the standard asks.
        "SECURE_HSTS_SECONDS": HSTS_SECONDS if https else 0,
        "SECURE_PROXY_SSL_HEADER": None,
    }
    if config["EXTERNAL_TLS_TERMINATION"]:
        # Trusted only because the proxy is the one way in and overwrites the client's header.
        values["SECURE_PROXY_SSL_HEADER"] = ("HTTP_X_FORWARDED_PROTO", "https")
    return values
