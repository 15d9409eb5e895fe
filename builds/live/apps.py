from django.apps import AppConfig


class BuildsLiveConfig(AppConfig):
    name = "builds.live"
    label = "builds_live"
    verbose_name = "Live build logs"

    def ready(self) -> None:
        from builds import hooks
        from builds.live.publisher import build_end_publish, log_lines_publish
        from builds.live.routing import websocket_urlpatterns
        from quaysite import websockets

        hooks.after_log_lines.append(log_lines_publish)
        hooks.after_build_event.append(build_end_publish)
        websockets.websocket_urlpatterns.extend(websocket_urlpatterns)
