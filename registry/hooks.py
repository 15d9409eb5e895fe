"""The one list of points where features plug into the registry core.

The core imports no feature app. A feature (quota, notifications, pruning, mirroring) appends its
functions here in its ``AppConfig.ready()``; the registry's services call every hook of a point
once per change, inside the service's transaction, so what a hook writes commits or rolls back
with the change itself. A ``before_*`` hook may refuse the change by raising a ``RegistryError``
(``Denied`` for a quota): the transaction rolls back and the client gets that error. An
``after_*`` hook observes; it must not raise for anything but a bug.

Rows are described by ids and byte sizes rather than model instances where they are about to
go, so a hook never reads a row that the same transaction deletes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser

from orgs.hooks import PagePanel
from orgs.models import User
from registry.models import Manifest, Repository


@dataclass(frozen=True)
class UploadStart:
    """A blob is about to enter ``repository``: an upload session opens, a monolithic POST
    streams, or a mount links a blob from another repository. ``size`` when known (a mount),
    else None. For a monolithic POST the hook's transaction ends before the bytes stream: no
    transaction stays open for as long as a layer takes to arrive."""

    repository: Repository
    pusher_id: int | None
    size: int | None


@dataclass(frozen=True)
class ManifestCommit:
    """A manifest PUT whose rows are written and not yet committed: ``created`` when the
    manifest row is new to the repository, ``tag`` when the PUT named a tag (it now points at
    the manifest). The repository row is locked."""

    repository: Repository
    manifest: Manifest
    created: bool
    tag: str | None
    pusher_id: int | None


@dataclass(frozen=True)
class Pushed:
    """A manifest PUT that passed every ``before_manifest_commit`` hook."""

    repository: Repository
    manifest: Manifest
    tag: str | None
    pusher_id: int | None


@dataclass(frozen=True)
class TagsEnded:
    """Live tags ended by a delete (by tag, by the manifest's digest, through the API)."""

    repository: Repository
    names: tuple[str, ...]
    actor_id: int | None


@dataclass(frozen=True)
class ManifestsDeleting:
    """Manifest rows about to be deleted (garbage collection, a repository's purge), as
    ``(manifest_id, size)``; their blob references are still readable."""

    repository: Repository
    manifests: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class BlobsDeleted:
    """Blob rows or links gone, as ``(blob_id, size)``: links out of ``repository_id`` (a
    /v2/ blob DELETE, garbage collection), or the blobs themselves (``repository_id`` None)."""

    repository_id: int | None
    blobs: tuple[tuple[int, int], ...]


before_upload: list[Callable[[UploadStart], None]] = []
before_manifest_commit: list[Callable[[ManifestCommit], None]] = []
after_push: list[Callable[[Pushed], None]] = []
after_tag_delete: list[Callable[[TagsEnded], None]] = []
before_manifest_delete: list[Callable[[ManifestsDeleting], None]] = []
after_blob_delete: list[Callable[[BlobsDeleted], None]] = []

# Not a change: keys a feature adds to a repository's API response (quota's "quota_report").
repository_response_extras: list[Callable[[Repository], dict]] = []

# Not a change: blocks a feature adds to a repository's web page for a viewer who may read the
# repository, maybe anonymous (quota's usage bar); None adds nothing.
repository_page_panels: list[Callable[[Repository, User | AnonymousUser], PagePanel | None]] = []

E = TypeVar("E")


def hooks_run(hooks: list[Callable[[E], None]], event: E) -> None:
    for hook in hooks:
        hook(event)


def repository_response_extra(repository: Repository) -> dict:
    extra: dict = {}
    for hook in repository_response_extras:
        extra.update(hook(repository))
    return extra


def repository_page_panels_for(repository: Repository, *, viewer: User | AnonymousUser) -> list[PagePanel]:
    return [panel for hook in repository_page_panels if (panel := hook(repository, viewer))]
