"""A namespace's own storage locations (a tenant's bucket), set by a superuser.

From the assignment on, the namespace's new blobs are written to its set (this instance's
nearest location in it) and every blob it already links is queued for a copy to each location
of the set it is not yet in; a blob other namespaces share keeps its other placements (see
registry.selectors.placement for the rule).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from orgs.audit import audit_log_write
from orgs.models import Namespace, User
from registry.models import NamespaceStorage, RepositoryBlob
from registry.services.replication import replication_queue_missing

QUEUE_BATCH = 1000


class StorageLocationInvalid(ValueError):
    """A location set that is empty or names a location the configuration does not define."""


def _locations_check(locations: list[str]) -> list[str]:
    if not locations:
        raise StorageLocationInvalid("a namespace's location set names at least one location")
    unknown = [location for location in locations if location not in settings.STORAGE_CONFIG]
    if unknown:
        raise StorageLocationInvalid(
            f"unknown storage location(s) {', '.join(unknown)}; "
            f"configured: {', '.join(settings.STORAGE_CONFIG)}"
        )
    return list(dict.fromkeys(locations))


@transaction.atomic
def namespace_storage_set(
    *, namespace: Namespace, locations: list[str], actor: User | None
) -> NamespaceStorage:
    locations = _locations_check(locations)
    audit_log_write(
        kind="change_namespace_storage",
        performer=actor,
        namespace=namespace,
        metadata={"locations": locations},
    )
    storage, _ = NamespaceStorage.objects.update_or_create(
        namespace=namespace, defaults={"locations": locations}
    )
    blob_ids = list(
        RepositoryBlob.objects.filter(repository__namespace=namespace)
        .order_by("blob_id")
        .values_list("blob_id", flat=True)
        .distinct()
    )
    for start in range(0, len(blob_ids), QUEUE_BATCH):
        replication_queue_missing(blob_ids=blob_ids[start : start + QUEUE_BATCH], only=set(locations))
    return storage


@transaction.atomic
def namespace_storage_clear(*, namespace: Namespace, actor: User | None) -> bool:
    """Back to the registry's defaults; the blobs keep the placements they have."""
    deleted, _ = NamespaceStorage.objects.filter(namespace=namespace).delete()
    if deleted:
        audit_log_write(
            kind="change_namespace_storage",
            performer=actor,
            namespace=namespace,
            metadata={"locations": None},
        )
    return bool(deleted)
