"""``{% build_live_log_attributes build %}`` on the build page's log: where the browser's
websocket goes (static/ui/build-logs.js), as data attributes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString

if TYPE_CHECKING:
    from builds.models import RepositoryBuild

register = template.Library()


@register.simple_tag
def build_live_log_attributes(build: RepositoryBuild) -> SafeString:
    # An empty port: the websockets are on the page's own origin (an ingress routing /ws/).
    return format_html(
        'data-ws-path="/ws/build/{}/logs" data-ws-port="{}"', build.uuid, settings.WEBSOCKET_PORT or ""
    )
