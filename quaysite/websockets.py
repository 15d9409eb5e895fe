"""The websocket routes the ASGI application serves, filled in by the apps that own them.

``quaysite`` sits below every app, so ``quaysite/asgi.py`` cannot import their consumers: an app
appends its routes here from its ``AppConfig.ready()``, which Django runs before asgi.py builds
its router.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

websocket_urlpatterns: list[URLPattern | URLResolver] = []
