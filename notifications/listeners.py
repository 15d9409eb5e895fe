"""Where events reach this app: hooks of the registry core and of the feature apps."""

from __future__ import annotations


def listeners_register() -> None:
    """Idempotent: ready() may run more than once in a process."""
