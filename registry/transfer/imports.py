"""Loads an OCI image layout tarball (``manage.py import``) in two passes over the file.

The first checks everything and writes nothing: every blob's bytes against the digest it is
filed under, every manifest the index names and each it reaches in turn, every blob those
name (in the tarball, or already stored here), and that each repository's namespace exists. A
tarball failing any of that is refused whole. The second stores the blobs this registry lacks
(hashed again on the way in, through the registry's own upload path), links those it has, then
pushes the manifests, children first, and their tags through the registry's push service, in
one transaction.
"""

from __future__ import annotations

import hashlib
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from orgs.models import Namespace
from registry.digests import digest_algorithm, is_stored_digest
from registry.errors import RegistryError
from registry.manifest_formats import manifest_parse
from registry.models import Repository
from registry.names import repository_name_split
from registry.services.blob_locks import blob_reference_guard
from registry.services.blobs import blob_record, blob_stored_location
from registry.services.manifests import manifest_put
from registry.services.repositories import repository_get_or_create
from registry.services.uploads import blob_upload_monolithic
from registry.transfer.layout import LayoutInvalid, Ref, blob_member, index_parse, member_digest

CHUNK = 1024 * 1024
Progress = Callable[[int], None]


@dataclass
class ImportPlan:
    refs: list[Ref]
    # digest -> (media type, bytes), children before the manifests naming them
    manifests: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    # repository -> the blobs its manifests name: digest -> size
    blobs: dict[str, dict[str, int]] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)

    @property
    def total_bytes(self) -> int:
        return sum(self.sizes.values())


@dataclass(frozen=True)
class ImportReport:
    repositories: int
    tags: int
    manifests: int
    blobs_stored: int
    blobs_skipped: int


def _chunks(tar: tarfile.TarFile, member: tarfile.TarInfo, progress: Progress) -> Iterator[bytes]:
    stream = tar.extractfile(member)
    if stream is None:
        raise LayoutInvalid(f"{member.name} is not a file")
    with stream:
        while chunk := stream.read(CHUNK):
            progress(len(chunk))
            yield chunk


def _members(tar: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    members = {member.name: member for member in tar.getmembers() if member.isfile()}
    for required in ("oci-layout", "index.json"):
        if required not in members:
            raise LayoutInvalid(f"no {required}: not an OCI image layout")
    return members


def _blobs_verify(
    tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo], progress: Progress
) -> dict[str, int]:
    sizes = {}
    for name, member in members.items():
        digest = member_digest(name)
        if digest is None:
            continue
        if not is_stored_digest(digest):
            raise LayoutInvalid(f"{name}: not a sha256 or sha512 digest")
        hasher = hashlib.new(digest_algorithm(digest))
        for chunk in _chunks(tar, member, progress):
            hasher.update(chunk)
        actual = f"{digest_algorithm(digest)}:{hasher.hexdigest()}"
        if actual != digest:
            raise LayoutInvalid(f"{name}: its bytes' digest is {actual}, not the {digest} it is filed under")
        sizes[digest] = member.size
    return sizes


def _read(tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo], name: str) -> bytes:
    if name not in members:
        raise LayoutInvalid(f"{name} is missing")
    return b"".join(_chunks(tar, members[name], lambda _: None))


def _manifest_walk(
    tar: tarfile.TarFile,
    members: dict[str, tarfile.TarInfo],
    plan: ImportPlan,
    ref: Ref,
    digest: str,
    media_type: str,
) -> None:
    content = _read(tar, members, blob_member(digest))
    try:
        parsed = manifest_parse(content, media_type)
    except RegistryError as exc:
        raise LayoutInvalid(f"manifest {digest} of {ref.repository}:{ref.tag}: {exc}") from None
    wanted = plan.blobs.setdefault(ref.repository, {})
    for descriptor in parsed.blob_references:
        if descriptor.digest not in plan.sizes and blob_stored_location(digest=descriptor.digest) is None:
            raise LayoutInvalid(
                f"{ref.repository}:{ref.tag} needs blob {descriptor.digest}, which is neither here nor stored"
            )
        wanted[descriptor.digest] = descriptor.size
    for child in parsed.children:
        _manifest_walk(tar, members, plan, ref, child.digest, child.media_type)
    plan.manifests.setdefault(digest, (media_type, content))


def layout_verify(*, path: Path, progress: Progress) -> ImportPlan:
    """The first pass: raises LayoutInvalid, having written nothing, unless all is well."""
    with tarfile.open(path, mode="r:") as tar:
        members = _members(tar)
        refs = index_parse(_read(tar, members, "index.json"))
        plan = ImportPlan(refs=refs)
        plan.sizes = _blobs_verify(tar, members, progress)
        for ref in refs:
            namespace, _ = repository_name_split(ref.repository)
            if not Namespace.objects.filter(name=namespace).exists():
                raise LayoutInvalid(f"{ref.repository}: no namespace {namespace!r} here; create it first")
            _manifest_walk(tar, members, plan, ref, ref.digest, ref.media_type)
    return plan


def _blob_store(
    tar: tarfile.TarFile,
    members: dict[str, tarfile.TarInfo],
    repository: Repository,
    digest: str,
    size: int,
    progress: Progress,
) -> bool:
    """True when the bytes were stored, False when this registry had them already."""
    with transaction.atomic():
        blob_reference_guard(digest)
        location = blob_stored_location(digest=digest)
        if location is not None:
            blob_record(digest=digest, size=size, location=location, repository=repository)
            return False
    blob_upload_monolithic(
        repository=repository,
        pusher_id=None,
        digest=digest,
        chunks=_chunks(tar, members[blob_member(digest)], progress),
    )
    return True


def layout_import(*, path: Path, plan: ImportPlan, progress: Progress) -> ImportReport:
    """The second pass, over a plan layout_verify returned for the same file."""
    stored = skipped = 0
    with tarfile.open(path, mode="r:") as tar:
        members = _members(tar)
        repositories = {name: repository_get_or_create(full_name=name) for name in plan.blobs}
        for name, blobs in plan.blobs.items():
            for digest, size in blobs.items():
                if _blob_store(tar, members, repositories[name], digest, size, progress):
                    stored += 1
                else:
                    skipped += 1
    with transaction.atomic():
        for ref in plan.refs:
            for digest in _reached(plan, ref.digest):
                media_type, content = plan.manifests[digest]
                manifest_put(
                    full_name=ref.repository, reference=digest, content=content, content_type=media_type
                )
            media_type, content = plan.manifests[ref.digest]
            manifest_put(
                full_name=ref.repository, reference=ref.tag, content=content, content_type=media_type
            )
    return ImportReport(len(repositories), len(plan.refs), len(plan.manifests), stored, skipped)


def _reached(plan: ImportPlan, digest: str) -> list[str]:
    """The manifest and those it reaches, children first."""
    media_type, content = plan.manifests[digest]
    order: list[str] = []
    for child in manifest_parse(content, media_type).children:
        order.extend(d for d in _reached(plan, child.digest) if d not in order)
    return [*order, digest]
