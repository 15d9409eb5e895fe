"""Points where other apps hear of a mirror's syncs; nothing here imports them (notifications
subscribes in its listeners, as the import rule wants).

``after_mirror_event`` hooks are called with Quay's event name (repo_mirror_sync_started,
_success, _failed) and the mirror, inside the worker's transaction that records the claim or the
report, so what a hook writes (a notification's delivery) commits with the status it tells of.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mirroring.models import RepositoryMirror

SYNC_STARTED = "repo_mirror_sync_started"
SYNC_SUCCESS = "repo_mirror_sync_success"
SYNC_FAILED = "repo_mirror_sync_failed"


@dataclass(frozen=True)
class MirrorEvent:
    event: str
    mirror: RepositoryMirror


after_mirror_event: list[Callable[[MirrorEvent], None]] = []


def mirror_event_hooks_run(event: MirrorEvent) -> None:
    for hook in after_mirror_event:
        hook(event)
