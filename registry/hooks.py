"""The one list of points where features plug into the registry core.

The core imports no feature app. A feature (quota, notifications, pruning, mirroring) appends its
functions here in its ``AppConfig.ready()``; the registry's services call every hook of a point
once per change, inside the service's transaction, so what a hook writes commits or rolls back
with the change itself. A ``before_*`` hook may refuse the change by raising a ``RegistryError``
(``Denied`` for a quota): the transaction rolls back and the client gets that error. An
``after_*`` hook observes; it must not raise for anything but a bug.

``after_push_denied`` is the one point called outside the service's transaction: after a push's
start or manifest commit was refused and rolled back, so what a hook records about the refusal
(a quota's ``quota_error`` event) stays, which nothing written inside the transaction could.

Rows are described by ids and byte sizes rather than model instances where they are about to
go, so a hook never reads a row that the same transaction deletes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from registry.errors import Denied, RegistryError
from registry.models import Manifest, Repository


@dataclass(frozen=True)
class UploadStart:
    """A blob is about to enter ``repository``: an upload session opens, a monolithic POST
    streams, or a mount links a blob from another repository. ``size`` when known (a mount),
    else None. For a monolithic POST the hook's transaction ends before the bytes stream: no
    transaction stays open for as long as a layer takes to arrive. ``blob_id`` names a mount's
    blob, which may already be stored in the namespace."""

    repository: Repository
    pusher_id: int | None
    size: int | None
    blob_id: int | None = None


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


@dataclass(frozen=True)
class PushDenied:
    """A blob upload, mount or manifest commit refused with ``error`` (a ``Denied``), its
    transaction rolled back (a repository it created is gone again)."""

    error: RegistryError
    pusher_id: int | None


before_upload: list[Callable[[UploadStart], None]] = []
before_manifest_commit: list[Callable[[ManifestCommit], None]] = []
after_push: list[Callable[[Pushed], None]] = []
after_tag_delete: list[Callable[[TagsEnded], None]] = []
before_manifest_delete: list[Callable[[ManifestsDeleting], None]] = []
after_blob_delete: list[Callable[[BlobsDeleted], None]] = []
after_push_denied: list[Callable[[PushDenied], None]] = []

# Not a change: keys a feature adds to a repository's API response (quota's "quota_report").
repository_response_extras: list[Callable[[Repository], dict]] = []

E = TypeVar("E")


def hooks_run(hooks: list[Callable[[E], None]], event: E) -> None:
    for hook in hooks:
        hook(event)


@contextmanager
def push_denials_reported(pusher_id: int | None) -> Iterator[None]:
    """Wraps a push service's transaction: a ``Denied`` leaving it is reported to
    ``after_push_denied`` once the rollback is done, then raised on."""
    try:
        yield
    except Denied as error:
        hooks_run(after_push_denied, PushDenied(error, pusher_id))
        raise


def repository_response_extra(repository: Repository) -> dict:
    extra: dict = {}
    for hook in repository_response_extras:
        extra.update(hook(repository))
    return extra
