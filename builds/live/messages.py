"""What goes over the wire: the channel group of a build and the JSON of one log line, the same
whether the line came through the channel layer or from the database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

if TYPE_CHECKING:
    from builds.models import BuildLogEntry


def build_group(build_uuid: UUID | str) -> str:
    # Group names allow only ASCII letters, digits, hyphens, periods and underscores.
    return f"build-logs.{build_uuid}"


def line_payload(entry: BuildLogEntry) -> dict[str, Any]:
    return {
        "index": entry.index,
        "phase": entry.phase,
        "kind": entry.kind,
        "message": entry.message,
        "time": entry.time.isoformat(),
    }
