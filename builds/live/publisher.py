"""Pushes stored lines to the build's watchers through the channel layer, on any instance.

Called on commit of each append (builds.hooks.after_log_lines), from whatever thread stored the
lines: a build agent's request, an in-process executor, an rq worker. Without Redis there is no
layer another process could hear, so nothing is sent and the watchers poll the database.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from builds.archive import entry_json
from builds.hooks import BUILD_CANCELLED, BUILD_FAILURE, BUILD_SUCCESS
from builds.live.messages import build_group

if TYPE_CHECKING:
    from builds.hooks import BuildEvent
    from builds.models import BuildLogEntry, RepositoryBuild

logger = logging.getLogger(__name__)

END_EVENTS = frozenset({BUILD_SUCCESS, BUILD_FAILURE, BUILD_CANCELLED})


def _group_send(build_uuid: object, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(build_group(str(build_uuid)), message)
    except Exception:
        # The lines are stored: a watcher that misses this message reads them from the database
        # at its next look, so a Redis hiccup must not fail the build.
        logger.warning("could not publish the live log of build %s", build_uuid, exc_info=True)


def log_lines_publish(build: RepositoryBuild, entries: list[BuildLogEntry]) -> None:
    if not settings.BUILD_LOGS_PUSHED or not entries:
        return
    lines = [entry_json(entry) for entry in sorted(entries, key=lambda entry: entry.index)]
    _group_send(build.uuid, {"type": "build.lines", "lines": lines})


def build_end_publish(event: BuildEvent) -> None:
    """The build ended: its watchers read the last lines and close. Told once the phase commits
    (the hook runs inside the transaction that moves it), or they would read the old phase."""
    if not settings.BUILD_LOGS_PUSHED or event.event not in END_EVENTS:
        return
    build_uuid = event.build.uuid
    transaction.on_commit(lambda: _group_send(build_uuid, {"type": "build.end"}))
