"""The ASGI entry point (Channels) serves the same registry for deployments that need websockets."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.testing import ApplicationCommunicator

from quaysite.asgi import application


async def _get(scope: dict) -> tuple[dict, dict]:
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    return await communicator.receive_output(timeout=10), await communicator.receive_output(timeout=10)


@pytest.mark.django_db(transaction=True)
def test_asgi_application_answers_the_registry_ping():
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "path": "/v2/",
        "raw_path": b"/v2/",
        "query_string": b"",
        "headers": [(b"host", b"registry.test")],
        "server": ("127.0.0.1", 8080),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
    }
    start, body = asyncio.run(_get(scope))
    assert start["status"] == 401, (start, body)
    headers = {name.lower(): value for name, value in start["headers"]}
    assert headers[b"www-authenticate"].startswith(b'Bearer realm="http://registry.test/v2/auth"')
    assert b"UNAUTHORIZED" in body["body"]
