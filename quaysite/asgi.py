"""The ASGI application: Channels for the websockets (live build logs), Django for HTTP.

`make run` serves the registry itself under WSGI (gunicorn, faster on the blob paths: README,
Serving) and this application beside it on ``WEBSOCKET_PORT`` for the ``/ws/`` routes; a
deployment may instead route ``/ws/`` to instances of this application by path.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quaysite.settings")
# First: it sets Django up, and the apps' ready() fill quaysite.websockets in.
django_http = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from quaysite.websockets import websocket_routes  # noqa: E402

application = ProtocolTypeRouter(
    {"http": django_http, "websocket": AuthMiddlewareStack(URLRouter(websocket_routes()))}
)
