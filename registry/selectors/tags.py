"""Reads of tags: the registry's tag list, and the API's and pages' tag history, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Sum
from django.utils import timezone

from registry.models import Repository, Tag
from registry.tag_liveness import tag_active_q


def tag_names(*, repository: Repository, last: str | None, limit: int | None) -> list[str]:
    names = (
        Tag.objects.filter(tag_active_q(timezone.now()), repository=repository)
        .order_by("name")
        .values_list("name", flat=True)
        .distinct()
    )
    if last:
        names = names.filter(name__gt=last)
    if limit is not None:
        names = names[:limit]
    return list(names)


@dataclass(frozen=True)
class TagPage:
    tags: list[Tag]
    page: int
    has_additional: bool


def tag_history_page(
    *,
    repository: Repository,
    only_active: bool,
    specific_tag: str | None,
    name_filter: tuple[str, str] | None,
    limit: int,
    page: int,
) -> TagPage:
    """Tag rows newest first, each with its manifest and ``size`` (sum of the manifest's blobs).

    ``name_filter`` is Quay's ("like", text): names containing it, any case; or ("eq", name).
    """
    rows = Tag.objects.filter(repository=repository)
    if only_active:
        rows = rows.filter(tag_active_q(timezone.now()))
    if specific_tag:
        rows = rows.filter(name=specific_tag)
    if name_filter is not None:
        operation, value = name_filter
        rows = rows.filter(name__icontains=value) if operation == "like" else rows.filter(name=value)
    offset = (page - 1) * limit
    # One row beyond the page says whether another page follows.
    fetched = list(
        rows.select_related("manifest")
        .annotate(size=Sum("manifest__blobs__size"))
        .order_by("-start", "name", "pk")[offset : offset + limit + 1]
    )
    return TagPage(tags=fetched[:limit], page=page, has_additional=len(fetched) > limit)
