"""The ASGI application: Django for HTTP plus Channels for websockets (live build logs).

The registry's blob paths are served faster under WSGI (see README); this entry point is for
deployments that need websockets on the same process.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quaysite.settings")
django_http = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

websocket_urlpatterns: list = []

application = ProtocolTypeRouter({"http": django_http, "websocket": URLRouter(websocket_urlpatterns)})
