"""The builds app's domain errors; builds.apps registers their API statuses."""

from __future__ import annotations

from orgs.errors import InvalidInput, NotFound


class BuildError(Exception):
    """Base of every error the build services raise."""


class BuildInvalid(BuildError, InvalidInput):
    """A request the builder cannot run: no such upload, not a tarball, a path outside the
    context, no Dockerfile, a tag or build argument that is not one (400)."""


class BuildNotFound(BuildError, NotFound):
    """No such build in the repository, or no such uploaded file (404)."""


class BuildStateConflict(BuildError):
    """Cancelling a build that has ended (Quay answers 400)."""


class BuildsQueuedTooMany(BuildError):
    """The namespace already has DEFAULT_NAMESPACE_MAXIMUM_BUILD_COUNT builds waiting (429)."""
