"""Points where other apps hear of builds; nothing here imports them (notifications and the live
log publisher register themselves, as the import rule wants).

``after_log_lines`` hooks get a build and the log entries just stored, called once the append's
transaction commits (a live view never shows a line that rolled back). ``after_build_event``
hooks get a ``BuildEvent`` (Quay's event names) inside the transaction that moves the build's
phase, so what a hook writes (a notification's delivery) commits with the phase it tells of.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from builds.models import BuildLogEntry, RepositoryBuild

BUILD_QUEUED = "build_queued"
BUILD_START = "build_start"
BUILD_SUCCESS = "build_success"
BUILD_FAILURE = "build_failure"
BUILD_CANCELLED = "build_cancelled"


@dataclass(frozen=True)
class BuildEvent:
    event: str
    build: RepositoryBuild


after_log_lines: list[Callable[[RepositoryBuild, list[BuildLogEntry]], None]] = []
after_build_event: list[Callable[[BuildEvent], None]] = []


def build_event_hooks_run(event: BuildEvent) -> None:
    for hook in after_build_event:
        hook(event)


def log_lines_hooks_run(build: RepositoryBuild, entries: list[BuildLogEntry]) -> None:
    for hook in after_log_lines:
        hook(build, entries)
