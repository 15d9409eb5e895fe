"""The channel group of a build's watchers, the same on every instance."""

from __future__ import annotations

from uuid import UUID


def build_group(build_uuid: UUID | str) -> str:
    # Group names allow only ASCII letters, digits, hyphens, periods and underscores.
    return f"build-logs.{build_uuid}"
