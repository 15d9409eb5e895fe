"""What an export carries: the live tags of the chosen repositories, every manifest they reach
(an index's children too) and every blob those manifests name, each blob once."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from registry.models import BlobPlacement, Manifest, ManifestBlob, ManifestChild, Repository, Tag
from registry.storage import preferred_location
from registry.tag_liveness import tag_active_q
from registry.transfer.layout import Ref


@dataclass
class ExportPlan:
    refs: list[Ref] = field(default_factory=list)
    # digest -> the manifest's exact bytes
    manifests: dict[str, bytes] = field(default_factory=dict)
    # digest -> (size, a storage location holding it)
    blobs: dict[str, tuple[int, str]] = field(default_factory=dict)

    @property
    def total_bytes(self) -> int:
        return sum(size for size, _ in self.blobs.values()) + sum(len(c) for c in self.manifests.values())


def repositories_for_export(*, namespace: str | None, names: list[str]) -> list[Repository]:
    repositories = list(
        Repository.objects.select_related("namespace").filter(namespace__name=namespace).order_by("name")
        if namespace
        else []
    )
    for full_name in names:
        namespace_name, _, name = full_name.partition("/")
        repository = (
            Repository.objects.select_related("namespace")
            .filter(namespace__name=namespace_name, name=name)
            .first()
        )
        if repository is None:
            raise LookupError(f"no repository {full_name}")
        repositories.append(repository)
    return list({repository.pk: repository for repository in repositories}.values())


def _manifests_reached(repository: Repository, roots: set[int]) -> dict[int, Manifest]:
    reached: dict[int, Manifest] = {}
    frontier = roots
    while frontier:
        found = Manifest.objects.filter(repository=repository, pk__in=frontier).only(
            "pk", "digest", "content"
        )
        reached.update({manifest.pk: manifest for manifest in found})
        children = set(
            ManifestChild.objects.filter(manifest_id__in=frontier).values_list("child_id", flat=True)
        )
        frontier = children - set(reached)
    return reached


def export_plan(*, repositories: list[Repository]) -> ExportPlan:
    plan = ExportPlan()
    now = timezone.now()
    for repository in repositories:
        tags = (
            Tag.objects.filter(tag_active_q(now), repository=repository, manifest__deleted__isnull=True)
            .select_related("manifest")
            .order_by("name")
        )
        for tag in tags:
            manifest = tag.manifest
            plan.refs.append(
                Ref(str(repository), tag.name, manifest.digest, manifest.media_type, manifest.size)
            )
        reached = _manifests_reached(repository, {tag.manifest_id for tag in tags})
        for manifest in reached.values():
            plan.manifests[manifest.digest] = bytes(manifest.content)
        blob_rows = ManifestBlob.objects.filter(manifest_id__in=reached).values_list(
            "blob__digest", "blob__size"
        )
        for digest, size in blob_rows:
            plan.blobs.setdefault(digest, (size, ""))
    _blob_locations(plan)
    return plan


def _blob_locations(plan: ExportPlan) -> None:
    preferred = preferred_location()
    placements: dict[str, set[str]] = {}
    for digest, location in BlobPlacement.objects.filter(blob__digest__in=plan.blobs).values_list(
        "blob__digest", "location"
    ):
        placements.setdefault(digest, set()).add(location)
    for digest, (size, _) in plan.blobs.items():
        locations = placements.get(digest, set())
        if not locations:
            raise LookupError(f"blob {digest} has no stored copy")
        plan.blobs[digest] = (size, preferred if preferred in locations else sorted(locations)[0])
