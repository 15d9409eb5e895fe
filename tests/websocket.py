"""A websocket client for an ASGI application in this process (asgiref's communicator):
Channels' own needs daphne, which the registry does not use."""

from __future__ import annotations

import json
from typing import Any

from asgiref.testing import ApplicationCommunicator


class WebsocketClient:
    def __init__(self, application: Any, path: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
        scope = {
            "type": "websocket",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": headers or [],
            "subprotocols": [],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8081),
        }
        self.communicator = ApplicationCommunicator(application, scope)

    async def connect(self, timeout: float = 5) -> bool:
        await self.communicator.send_input({"type": "websocket.connect"})
        return (await self.communicator.receive_output(timeout))["type"] == "websocket.accept"

    async def receive_output(self, timeout: float = 5) -> dict[str, Any]:
        return await self.communicator.receive_output(timeout)

    async def receive_json(self, timeout: float = 5) -> Any:
        message = await self.receive_output(timeout)
        assert message["type"] == "websocket.send", message
        return json.loads(message["text"])

    async def receive_nothing(self, timeout: float = 0.2) -> bool:
        return await self.communicator.receive_nothing(timeout)

    async def disconnect(self, code: int = 1000) -> None:
        await self.communicator.send_input({"type": "websocket.disconnect", "code": code})
        await self.communicator.wait(timeout=5)
