"""The access log keeps requests' shape but never a credential from a query string or header."""

from __future__ import annotations

import datetime
import logging
from types import SimpleNamespace
from typing import Any

import pytest
from gunicorn.config import Config

from quaysite.access_log import REDACTED, RedactingLogger, secrets_redact


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "GET /api/v1/user/?access_token=abc123 HTTP/1.1",
            f"GET /api/v1/user/?access_token={REDACTED} HTTP/1.1",
        ),
        (
            "client_id=x&client_secret=s3&code=c0de&grant_type=authorization_code",
            f"client_id=x&client_secret={REDACTED}&code={REDACTED}&grant_type=authorization_code",
        ),
        (
            "service=reg&scope=repository:a/b:pull&password=hunter2",
            f"service=reg&scope=repository:a/b:pull&password={REDACTED}",
        ),
        (
            "https://ui/callback?state=xyz&refresh_token=r1#frag",
            f"https://ui/callback?state=xyz&refresh_token={REDACTED}#frag",
        ),
        ("service=reg&scope=repository:a/b:pull", "service=reg&scope=repository:a/b:pull"),
        (
            "/signin?next=/oauth/authorize%3Fclient_id%3Dx%26refresh_token%3Dr1%26state%3Dq",
            f"/signin?next=/oauth/authorize%3Fclient_id%3Dx%26refresh_token%3D{REDACTED}%26state%3Dq",
        ),
        (
            "next=%2Fx%253Faccess_token%253Dabc%2526y%253D1",
            f"next=%2Fx%253Faccess_token%253D{REDACTED}%2526y%253D1",
        ),
    ],
)
def test_credential_parameters_are_redacted_and_the_rest_kept(line, expected):
    assert secrets_redact(line) == expected


def test_the_logger_redacts_the_request_line_query_referer_and_auth_headers():
    logger = RedactingLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/v2/auth?service=r&token=t0k",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": "/v2/auth",
        "QUERY_STRING": "service=r&token=t0k",
        "HTTP_REFERER": "http://x/?api_key=k3y",
    }
    # Stand-ins for gunicorn's Request and Response with the attributes atoms() reads.
    request: Any = SimpleNamespace(headers=[("AUTHORIZATION", "Basic c2VjcmV0"), ("HOST", "x")])
    response: Any = SimpleNamespace(status="200 OK", headers=[], sent=0)
    atoms = dict(logger.atoms(response, request, environ, datetime.timedelta(seconds=0)))
    rendered = repr(atoms)
    for secret in ("t0k", "k3y", "c2VjcmV0"):
        assert secret not in rendered
    assert atoms["{host}i"] == "x"
    logging.getLogger("gunicorn.access").handlers.clear()


def test_gunicorn_in_the_project_directory_uses_it():
    config = Config()
    namespace: dict = {}
    exec(open("gunicorn.conf.py").read(), namespace)
    config.set("logger_class", namespace["logger_class"])
    assert config.logger_class is RedactingLogger
