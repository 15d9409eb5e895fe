"""One sync of a mirrored repository: copy the upstream's selected tags in, drop the rest.

Everything is written through the registry's services as the mirror robot, so the MIRROR
state's rule (only that robot writes), quotas and events hold as for any push. A blob this
registry already stores, in any repository, is linked rather than fetched again; a blob it
lacks streams from the upstream into storage while it is hashed, and is refused unless it
matches its digest. Manifests are stored only after all they name is here.

Rollback mode puts every tag this sync moved back where it was as soon as one tag fails;
best effort keeps each tag that succeeded and reports the others. Either way, tags are
deleted only after a sync that copied every selected tag (best effort: every tag that it
could), and a cancelled sync stops at a tag boundary, deleting nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from django.db.models import QuerySet
from django.utils import timezone

from mirroring.rules import tag_rules_parse
from mirroring.upstream import UpstreamClient, UpstreamError, UpstreamManifest
from orgs.errors import IdentityError, InvalidInput
from orgs.models import User
from registry.errors import RegistryError
from registry.manifest_formats import Descriptor, ParsedManifest, manifest_parse
from registry.models import Manifest, Repository, RepositoryBlob, Tag
from registry.selectors.roles import repositories_visible_to
from registry.services.blobs import blob_mount
from registry.services.manifests import manifest_put
from registry.services.repository_states import repository_push_check
from registry.services.tags import tag_delete_registry
from registry.services.uploads import blob_upload_monolithic
from registry.tag_liveness import tag_active_q

# An index of indexes is allowed, deeper nesting is refused: it bounds the fetches per tag.
INDEX_DEPTH_MAX = 2
REFERRERS_MAX = 100


class MirrorSource(Protocol):
    """What a sync reads from a mirror's configuration (mirroring.models.RepositoryMirror)."""

    repository: Repository
    external_reference: str
    verify_tls: bool
    tag_glob_csv: str
    platforms: list[str]
    rollback: bool
    robot: User | None

    def credentials(self) -> tuple[str, str] | None: ...

    def proxy_url(self) -> str: ...


@dataclass
class SyncReport:
    tags_synced: int = 0
    tags_deleted: int = 0
    bytes_copied: int = 0
    bytes_skipped: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    cancelled: bool = False
    failed_reason: str | None = None


@dataclass
class _Copy:
    """One sync's shared state: where bytes come from and go, and the running report."""

    client: UpstreamClient
    repository: Repository
    robot_id: int
    # Repositories whose blobs a sync may link instead of fetching: those the robot may read.
    readable: QuerySet[Repository]
    platforms: tuple[str, ...]
    upstream_tags: set[str]
    report: SyncReport


def mirror_sync(mirror: MirrorSource, *, cancelled: Callable[[], bool]) -> SyncReport:
    report = SyncReport()
    try:
        copy, selected = _begin(mirror, report)
    # IdentityError: bad rules (InvalidInput) or credentials that no longer decrypt.
    except (UpstreamError, IdentityError, RegistryError) as error:
        report.failed_reason = _reason(error)
        return report
    before = _live_tags(copy.repository)
    moved: list[str] = []
    for tag in selected:
        if cancelled():
            report.cancelled = True
            return report
        try:
            _tag_copy(copy, tag)
        except (UpstreamError, RegistryError) as error:
            report.errors[tag] = _reason(error)
            if mirror.rollback:
                _rollback(copy, before, moved)
                report.failed_reason = f"{tag}: {report.errors[tag]}; the tags are back as before the sync"
                return report
            continue
        moved.append(tag)
        report.tags_synced += 1
    _tags_drop(copy, set(before) - set(selected))
    if report.errors:
        first = next(iter(report.errors.items()))
        report.failed_reason = f"{len(report.errors)} of {len(selected)} tags failed; {first[0]}: {first[1]}"
    return report


def _reason(error: Exception) -> str:
    if isinstance(error, RegistryError):
        return f"{error.code}: {error.message}{' ' + json.dumps(error.detail) if error.detail else ''}"
    return str(error)


def _begin(mirror: MirrorSource, report: SyncReport) -> tuple[_Copy, list[str]]:
    rules = tag_rules_parse(mirror.tag_glob_csv)
    if mirror.robot is None:
        raise InvalidInput("the mirror names no robot to write as")
    # Fails the sync before any transfer when the robot may not write here.
    repository_push_check(repository=mirror.repository, user_id=mirror.robot.pk)
    client = UpstreamClient(
        reference=mirror.external_reference,
        credentials=mirror.credentials(),
        verify_tls=mirror.verify_tls,
        proxy=mirror.proxy_url(),
    )
    client.ping()
    upstream_tags = set(client.tags())
    selected = sorted(tag for tag in upstream_tags if rules.matches(tag))
    readable = repositories_visible_to(user=mirror.robot)
    copy = _Copy(
        client,
        mirror.repository,
        mirror.robot.pk,
        readable,
        tuple(mirror.platforms or ()),
        upstream_tags,
        report,
    )
    return copy, selected


def _live_tags(repository: Repository) -> dict[str, Manifest]:
    tags = (
        Tag.objects.filter(tag_active_q(timezone.now()), repository=repository)
        .select_related("manifest")
        .order_by("start", "pk")
    )
    return {tag.name: tag.manifest for tag in tags}


def _full_name(repository: Repository) -> str:
    return f"{repository.namespace.name}/{repository.name}"


def _manifest_put(copy: _Copy, reference: str, manifest: UpstreamManifest, sparse: bool = False) -> None:
    manifest_put(
        full_name=_full_name(copy.repository),
        reference=reference,
        content=manifest.content,
        content_type=manifest.media_type,
        pusher_id=copy.robot_id,
        sparse=sparse,
    )


def _tag_copy(copy: _Copy, tag: str) -> None:
    manifest = copy.client.manifest(tag)
    _manifest_copy(copy, manifest, depth=0)
    _manifest_put(copy, tag, manifest, sparse=True)
    _referrers_copy(copy, manifest.digest)


def _manifest_copy(copy: _Copy, manifest: UpstreamManifest, *, depth: int) -> ParsedManifest:
    """Copies what the manifest names (blobs, or the chosen platforms' children), not itself."""
    parsed = manifest_parse(manifest.content, manifest.media_type)
    if parsed.config is not None:
        for descriptor in parsed.blob_references:
            _blob_copy(copy, descriptor)
        return parsed
    if depth >= INDEX_DEPTH_MAX:
        raise UpstreamError("invalid", f"{manifest.digest} nests indexes more than {INDEX_DEPTH_MAX} deep")
    for child in parsed.children:
        if not _platform_chosen(copy.platforms, child):
            continue
        if _manifest_held(copy.repository, child.digest):
            copy.report.bytes_skipped += child.size
            continue
        fetched = copy.client.manifest(child.digest)
        _manifest_copy(copy, fetched, depth=depth + 1)
        _manifest_put(copy, child.digest, fetched, sparse=True)
    return parsed


def _platform_chosen(platforms: tuple[str, ...], child: Descriptor) -> bool:
    """An empty choice takes every child; else ``os/architecture[/variant]`` must match."""
    if not platforms:
        return True
    platform = child.platform or {}
    for wanted in platforms:
        os_name, _, rest = wanted.partition("/")
        architecture, _, variant = rest.partition("/")
        if platform.get("os") == os_name and platform.get("architecture") == architecture:
            if not variant or platform.get("variant") == variant:
                return True
    return False


def _manifest_held(repository: Repository, digest: str) -> bool:
    return Manifest.objects.filter(repository=repository, digest=digest, deleted__isnull=True).exists()


def _blob_copy(copy: _Copy, descriptor: Descriptor) -> None:
    digest = descriptor.digest
    if RepositoryBlob.objects.filter(repository=copy.repository, blob__digest=digest).exists():
        copy.report.bytes_skipped += descriptor.size
        return
    # Only from a repository the robot may read, as a /v2/ mount asks pull rights on its source:
    # an upstream's HEAD is a claim, and would otherwise hand a private blob to whoever knows
    # its digest. And linked only once the upstream shows it has these bytes: a manifest naming
    # a digest is no proof that its author holds the content.
    source = copy.readable.filter(blob_links__blob__digest=digest).exclude(pk=copy.repository.pk).first()
    if (
        source is not None
        and copy.client.blob_offered(digest, descriptor.size)
        and blob_mount(repository=copy.repository, digest=digest, source=source, pusher_id=copy.robot_id)
    ):
        copy.report.bytes_skipped += descriptor.size
        return
    blob = blob_upload_monolithic(
        repository=copy.repository,
        pusher_id=copy.robot_id,
        digest=digest,
        chunks=copy.client.blob_chunks(digest, descriptor.size),
    )
    copy.report.bytes_copied += blob.size


def _referrers_copy(copy: _Copy, digest: str) -> None:
    """Signatures, SBOMs and other artifacts whose subject is the copied manifest: from the
    referrers API, else from the fallback tag ``sha256-<hex>`` that lists them."""
    descriptors = copy.client.referrers(digest)
    if descriptors is None:
        fallback = digest.replace(":", "-", 1)
        if fallback not in copy.upstream_tags:
            return
        listing = copy.client.manifest(fallback)
        descriptors = [
            {"digest": child.digest} for child in manifest_parse(listing.content, listing.media_type).children
        ]
    for descriptor in descriptors[:REFERRERS_MAX]:
        referrer_digest = descriptor.get("digest")
        if not isinstance(referrer_digest, str) or _manifest_held(copy.repository, referrer_digest):
            continue
        referrer = copy.client.manifest(referrer_digest)
        _manifest_copy(copy, referrer, depth=0)
        _manifest_put(copy, referrer_digest, referrer, sparse=True)


def _rollback(copy: _Copy, before: dict[str, Manifest], moved: list[str]) -> None:
    """Points each tag this sync moved back at its old manifest, or ends it if it is new."""
    for tag in moved:
        previous = before.get(tag)
        if previous is None:
            tag_delete_registry(repository=copy.repository, name=tag, pusher_id=copy.robot_id)
            continue
        manifest_put(
            full_name=_full_name(copy.repository),
            reference=tag,
            content=bytes(previous.content),
            content_type=previous.media_type,
            pusher_id=copy.robot_id,
            sparse=True,
        )


def _tags_drop(copy: _Copy, names: set[str]) -> None:
    """Tags no longer selected or gone upstream end, into the time machine."""
    for name in sorted(names):
        tag_delete_registry(repository=copy.repository, name=name, pusher_id=copy.robot_id)
        copy.report.tags_deleted += 1
