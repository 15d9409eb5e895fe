"""The websocket routes the ASGI application serves, filled in by the apps that own them.

``quaysite`` sits below every app, so ``quaysite/asgi.py`` cannot import their consumers: an app
appends its routes here from its ``AppConfig.ready()``, which Django runs before asgi.py builds
its router.
"""

from __future__ import annotations

from channels.generic.websocket import WebsocketConsumer
from django.urls import URLPattern, URLResolver, re_path

CLOSE_NOT_FOUND = 4404

websocket_urlpatterns: list[URLPattern | URLResolver] = []


class WebsocketRouteUnknown(WebsocketConsumer):
    """Any other path: closed with 4404, where Channels' router would fail the handshake with
    a 500 and a traceback in the log."""

    def connect(self) -> None:
        self.accept()
        self.close(code=CLOSE_NOT_FOUND)


def websocket_routes() -> list[URLPattern | URLResolver]:
    return [*websocket_urlpatterns, re_path(r"", WebsocketRouteUnknown.as_asgi())]
