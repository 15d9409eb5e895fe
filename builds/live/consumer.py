"""The websocket of one build's log: ``/ws/build/<uuid>/logs``.

Frames, server to client, JSON:
- ``{"type": "lines", "lines": [{"index", "phase", "kind", "message", "time"}, ...]}``: lines in
  index order, each once, the backlog first;
- ``{"type": "phase", "phase": "building"}``: the build moved on;
- ``{"type": "end", "phase": "complete"}``: the build ended and every line was sent; the
  server then closes with 1000.
A caller who may not read the repository, or a build that does not exist, gets the close code
4404; a page of another origin, 4403. The client sends nothing.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from builds.live.messages import build_group
from builds.live.selectors import LINES_PER_READ, build_get_watchable, build_lines_after, build_phase_get
from builds.models import ENDED_PHASES
from orgs.models import User

logger = logging.getLogger(__name__)

CLOSE_FORBIDDEN_ORIGIN = 4403
CLOSE_NOT_FOUND = 4404

_watchable = database_sync_to_async(build_get_watchable)
_lines_after = database_sync_to_async(build_lines_after)
_phase = database_sync_to_async(build_phase_get)


def origin_allowed(scope: dict[str, Any]) -> bool:
    """A browser page may watch only from the registry's own host (any port: `make run` serves
    the websockets on a port of their own) or a trusted origin; a client without an Origin
    header is no browser carrying a victim's cookie."""
    headers = dict(scope.get("headers", []))
    origin = headers.get(b"origin", b"").decode("latin-1")
    if not origin:
        return True
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    host = headers.get(b"host", b"").decode("latin-1")
    return bool(host) and urlsplit(origin).hostname == urlsplit(f"//{host}").hostname


class BuildLogConsumer(AsyncJsonWebsocketConsumer):
    build_id: int
    group: str
    # Index of the last line sent; the next one sent is always sent_index + 1.
    sent_index: int
    phase: str
    closed: bool

    async def connect(self) -> None:
        self.sent_index = -1
        # Once closed, a line still arriving from the layer must not be sent (ASGI forbids it).
        self.closed = False
        self.group = ""
        self.poller: asyncio.Task[None] | None = None
        self.sending = asyncio.Lock()
        await self.accept()
        if not origin_allowed(self.scope):
            await self.close(code=CLOSE_FORBIDDEN_ORIGIN)
            return
        user = self.scope.get("user")
        build_uuid: UUID = self.scope["url_route"]["kwargs"]["build_uuid"]
        watched = await _watchable(user=user if isinstance(user, User) else None, build_uuid=build_uuid)
        if watched is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.build_id, self.phase = watched.id, watched.phase
        # Join before reading the backlog: a line stored in between arrives by the layer too,
        # and its index says it was sent already.
        if self.channel_layer is not None:
            self.group = build_group(watched.uuid)
            await self.channel_layer.group_add(self.group, self.channel_name)
        await self.send_json({"type": "phase", "phase": self.phase})
        if await self.catch_up():
            return
        self.poller = asyncio.create_task(self.poll())

    async def disconnect(self, code: int) -> None:
        self.closed = True
        if self.poller is not None:
            self.poller.cancel()
        if self.group and self.channel_layer is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def build_lines(self, event: dict[str, Any]) -> None:
        """Lines pushed by the instance that stored them."""
        async with self.sending:
            if self.closed:
                return
            lines = [line for line in event["lines"] if line["index"] > self.sent_index]
            if lines and lines[0]["index"] != self.sent_index + 1:
                # A message was dropped or overtaken: the database has the lines in between.
                await self._send_from_database()
                lines = [line for line in lines if line["index"] > self.sent_index]
            await self._send_lines(lines)

    async def build_end(self, event: dict[str, Any]) -> None:
        await self.catch_up()

    async def poll(self) -> None:
        try:
            while True:
                await asyncio.sleep(settings.BUILD_LOGS_POLL_SECONDS)
                if await self.catch_up():
                    return
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("live log of build %s stopped", self.build_id)
            self.closed = True
            await self.close()

    async def catch_up(self) -> bool:
        """Sends what the database holds beyond the last line sent, and the phase; at the end
        of the build, says so and closes. True once closed."""
        async with self.sending:
            if self.closed:
                return True
            # The phase first: lines stored before the build ended are all there once it has.
            phase = await _phase(build_id=self.build_id)
            await self._send_from_database()
            if phase is not None and phase != self.phase:
                self.phase = phase
                await self.send_json({"type": "phase", "phase": phase})
            if phase is None or phase in ENDED_PHASES:
                await self.send_json({"type": "end", "phase": phase})
                self.closed = True
                await self.close()
                return True
        return False

    async def _send_from_database(self) -> None:
        while True:
            lines = await _lines_after(build_id=self.build_id, after=self.sent_index)
            await self._send_lines(lines)
            if len(lines) < LINES_PER_READ:
                return

    async def _send_lines(self, lines: list[dict[str, Any]]) -> None:
        if not lines:
            return
        await self.send_json({"type": "lines", "lines": lines})
        self.sent_index = lines[-1]["index"]
