"""The websockets beside gunicorn: where the server listens, and a path no app serves."""

from __future__ import annotations

import asyncio

import pytest

from quaysite.asgi import application
from quaysite.websocket_server import websocket_host
from tests.websocket import WebsocketClient


@pytest.mark.parametrize(
    ("bind", "host"),
    [
        ("127.0.0.1:8080", "127.0.0.1"),
        ("0.0.0.0:5000", "0.0.0.0"),
        ("[::1]:8080", "::1"),
        ("localhost", "localhost"),
        ("unix:/run/quay.sock", "127.0.0.1"),
    ],
)
def test_the_websocket_server_listens_on_gunicorn_host(bind: str, host: str) -> None:
    assert websocket_host(bind) == host


@pytest.mark.django_db(transaction=True)
def test_a_path_no_app_serves_is_closed_with_4404() -> None:
    async def scenario() -> dict:
        socket = WebsocketClient(application, "/ws/nothing-here")
        assert await socket.connect()
        return await socket.receive_output(timeout=5)

    assert asyncio.run(scenario()) == {"type": "websocket.close", "code": 4404}
