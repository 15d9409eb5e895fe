"""Mirroring's domain errors; mirroring.apps registers their API statuses."""

from __future__ import annotations

from orgs.errors import InvalidInput


class MirrorNotFound(Exception):
    """No mirror configuration for the repository (404)."""


class MirrorExists(Exception):
    """POST of a configuration for a repository that has one (Quay's 409)."""


class MirrorInvalid(InvalidInput):
    """A value the configuration does not take (400)."""


class MirrorStateConflict(Exception):
    """sync-now while syncing, sync-cancel while idle: Quay answers 404 for both."""
