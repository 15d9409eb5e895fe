"""Where blobs are, and where they must be: the placement rules of geo-replication.

A blob must reach the location set of every namespace that links it: a namespace's own set
(``NamespaceStorage``, a tenant's bucket) or, for a namespace without one, the registry's
``DISTRIBUTED_STORAGE_DEFAULT_LOCATIONS`` while replication is on. A blob shared by two
namespaces with different sets is stored once per location in the union of their sets, so
each namespace finds it in every location of its own set; its bytes are the same whoever
pushed them (content addressing), and a placement stays until GC deletes the blob itself.
"""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings

from registry.models import BlobPlacement, BlobReplication, NamespaceStorage, RepositoryBlob


def namespace_locations(*, namespace_id: int) -> list[str] | None:
    """The namespace's own location set, or None when it follows the registry's defaults."""
    rows = NamespaceStorage.objects.filter(namespace_id=namespace_id).values_list("locations", flat=True)
    own = rows.first()
    return list(own) if own else None


def locations_by_preference(locations: list[str]) -> list[str]:
    """The locations in this instance's preference order; those it does not rank, after them."""
    preference = settings.STORAGE_PREFERENCE
    ranked = [location for location in preference if location in locations]
    return ranked + sorted(set(locations) - set(ranked))


def push_location(*, namespace_id: int) -> str:
    """Where this instance writes a new blob of the namespace: its nearest allowed location."""
    own = namespace_locations(namespace_id=namespace_id)
    if own is None:
        return settings.STORAGE_PREFERENCE[0]
    return locations_by_preference(own)[0]


def pull_location(locations: list[str]) -> str:
    """Of the locations holding a blob, the one this instance prefers."""
    return locations_by_preference(locations)[0]


def required_for_namespace(own: list[str] | None) -> set[str]:
    if own is not None:
        return set(own)
    return set(settings.STORAGE_DEFAULT_LOCATIONS) if settings.STORAGE_REPLICATION else set()


def blobs_missing_locations(*, blob_ids: list[int]) -> dict[int, set[str]]:
    """For each of the blobs, the required locations it is neither placed in nor queued for."""
    namespaces: dict[int, set[int]] = defaultdict(set)
    for blob_id, namespace_id in (
        RepositoryBlob.objects.filter(blob_id__in=blob_ids)
        .values_list("blob_id", "repository__namespace_id")
        .distinct()
    ):
        namespaces[blob_id].add(namespace_id)
    own_sets = dict(
        NamespaceStorage.objects.filter(
            namespace_id__in={n for ids in namespaces.values() for n in ids}
        ).values_list("namespace_id", "locations")
    )
    have: dict[int, set[str]] = defaultdict(set)
    for model in (BlobPlacement, BlobReplication):
        rows = model.objects.filter(blob_id__in=blob_ids).values_list("blob_id", "location")
        for blob_id, location in rows:
            have[blob_id].add(location)
    missing: dict[int, set[str]] = {}
    for blob_id in blob_ids:
        # A blob no namespace links (yet) must reach the defaults, as a default namespace's would.
        required = set() if namespaces[blob_id] else required_for_namespace(None)
        for namespace_id in namespaces[blob_id]:
            own = own_sets.get(namespace_id)
            required |= required_for_namespace(list(own) if own else None)
        if gaps := required - have[blob_id]:
            missing[blob_id] = gaps
    return missing
