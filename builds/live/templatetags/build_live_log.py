"""``{% build_live_log build lines %}`` on the build page: the log as stored when the page was
rendered, then kept up to date in the browser (static/ui/build-logs.js) over the websocket."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django import template
from django.conf import settings

if TYPE_CHECKING:
    from builds.models import BuildLogEntry, RepositoryBuild

register = template.Library()


@register.inclusion_tag("ui/builds/_live_log.html")
def build_live_log(build: RepositoryBuild, lines: Sequence[BuildLogEntry] = ()) -> dict[str, Any]:
    return {
        "build": build,
        "lines": lines,
        "ws_path": f"/ws/build/{build.uuid}/logs",
        # Empty: the websockets are on the page's own origin (an ingress routing /ws/).
        "ws_port": settings.WEBSOCKET_PORT or "",
    }
