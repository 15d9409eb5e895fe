from django.urls import URLPattern, path

from builds.live.consumer import BuildLogConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/build/<uuid:build_uuid>/logs", BuildLogConsumer.as_asgi(), name="ws-build-logs"),
]
