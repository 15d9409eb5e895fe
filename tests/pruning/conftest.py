"""Factories for the auto-prune tests: repositories whose tags were pushed minutes apart."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from orgs.models import Organization, User
from registry.models import Repository, Tag
from registry.tag_liveness import tag_active_q
from tests.api_fixtures import manifest_make, repository_make, tag_make


def repository_with_tags(
    owner: Organization | User, name: str, tags: list[str], *, minutes_apart: int = 1
) -> Repository:
    """``tags`` pushed oldest first, the last one a minute ago, each ``minutes_apart`` before the next."""
    repository = repository_make(owner, name)
    now = timezone.now()
    for index, tag in enumerate(tags):
        manifest = manifest_make(repository, f'{{"tag": "{tag}"}}'.encode())
        pushed = now - timedelta(minutes=(len(tags) - index) * minutes_apart)
        tag_make(repository, tag, manifest, start=pushed)
    return repository


def live_tags(repository: Repository) -> list[str]:
    rows = Tag.objects.filter(tag_active_q(timezone.now()), repository=repository)
    return sorted(rows.values_list("name", flat=True))
