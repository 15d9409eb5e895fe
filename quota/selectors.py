"""Reads of the stored sizes."""

from __future__ import annotations

from quota.accounting import Sizes
from quota.models import NamespaceSize, RepositorySize
from registry.models import Repository


def sizes_stored(*, namespace_id: int) -> Sizes:
    """The totals the hooks keep; a repository or namespace without a row holds 0 bytes."""
    namespace_row = NamespaceSize.objects.filter(namespace_id=namespace_id)
    namespace_total = namespace_row.values_list("total_bytes", flat=True).first() or 0
    repository_ids = Repository.objects.filter(namespace_id=namespace_id).values_list("pk", flat=True)
    repositories = dict.fromkeys(repository_ids, 0)
    repositories.update(
        RepositorySize.objects.filter(namespace_id=namespace_id).values_list("repository_id", "total_bytes")
    )
    return Sizes(namespace_bytes=namespace_total, repository_bytes=repositories)
