"""Trigger reads."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from builds.models import BuildTrigger, RepositoryBuild
from builds.triggers.errors import TriggerNotFound
from registry.models import Repository


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def trigger_list(*, repository: Repository) -> QuerySet[BuildTrigger]:
    return (
        BuildTrigger.objects.filter(repository=repository)
        .select_related("connected_user", "pull_robot", "repository__namespace")
        .order_by("created", "pk")
    )


def trigger_get(*, repository: Repository, trigger_uuid: str) -> BuildTrigger:
    key = _uuid(trigger_uuid)
    trigger = trigger_list(repository=repository).filter(uuid=key).first() if key else None
    if trigger is None:
        raise TriggerNotFound(f"no trigger {trigger_uuid} in the repository {repository}")
    return trigger


def trigger_by_uuid(*, trigger_uuid: str) -> BuildTrigger:
    """A webhook's trigger, by its uuid alone; gone with its repository."""
    key = _uuid(trigger_uuid)
    trigger = (
        BuildTrigger.objects.select_related("repository__namespace", "pull_robot", "connected_user")
        .filter(uuid=key)
        .first()
        if key
        else None
    )
    if trigger is None:
        raise TriggerNotFound(f"no trigger {trigger_uuid}: it or its repository was deleted")
    return trigger


def trigger_builds(*, trigger: BuildTrigger, limit: int) -> list[RepositoryBuild]:
    return list(
        RepositoryBuild.objects.filter(trigger=trigger)
        .select_related("repository__namespace", "trigger", "performer", "pull_robot")
        .order_by("-started", "-pk")[:limit]
    )
