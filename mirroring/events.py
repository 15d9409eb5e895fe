"""The mirror's notification events (Quay's repo_mirror_sync_started/_success/_failed).

The notifications app is not on main yet: ``mirror_event_record`` is the one call site, and the
integrator points it at ``notifications.events.event_record(event, namespace_id=...,
repository_id=..., payload=...)`` once it is merged. Until then it logs the event.
"""

from __future__ import annotations

import logging

from mirroring.models import RepositoryMirror

logger = logging.getLogger(__name__)

SYNC_STARTED = "repo_mirror_sync_started"
SYNC_SUCCESS = "repo_mirror_sync_success"
SYNC_FAILED = "repo_mirror_sync_failed"


def mirror_event_payload(mirror: RepositoryMirror) -> dict:
    repository = mirror.repository
    return {
        "repository": f"{repository.namespace.name}/{repository.name}",
        "namespace": repository.namespace.name,
        "name": repository.name,
        "external_reference": mirror.external_reference,
        "tags_synced": mirror.tags_synced,
        "failed_reason": mirror.failed_reason,
    }


def mirror_event_record(event: str, mirror: RepositoryMirror) -> None:
    logger.info("mirror event %s: %s", event, mirror_event_payload(mirror))
