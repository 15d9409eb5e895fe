"""Where events reach this app: hooks of the registry core and of the feature apps, each
called inside the transaction that makes its event."""

from __future__ import annotations

from builds import hooks as builds_hooks
from mirroring import hooks as mirroring_hooks
from notifications.events import deliveries_create, notifications_listening
from notifications.models import Event
from notifications.payloads import namespace_event_data, repository_event_data
from orgs.models import Namespace, User
from quota import hooks as quota_hooks
from quota.models import QuotaEvent
from registry import hooks


def repo_push_record(pushed: hooks.Pushed) -> None:
    """``repo_push`` for a manifest PUT that moved a tag. A PUT by digest alone moves none; an
    index's children arrive that way before the index's tagged PUT, so one push is one event."""
    if pushed.tag is None:
        return
    repository = pushed.repository
    notifications = notifications_listening(
        event=Event.REPO_PUSH, namespace_id=repository.namespace_id, repository_id=repository.pk
    )
    if not notifications:
        return
    namespace_name = Namespace.objects.values_list("name", flat=True).get(pk=repository.namespace_id)
    pusher = (
        User.objects.filter(pk=pushed.pusher_id).values_list("username", flat=True).first()
        if pushed.pusher_id is not None
        else None
    )
    payload = repository_event_data(
        namespace_name,
        repository.name,
        {
            "updated_tags": [pushed.tag],
            "pushed_image_digests": [pushed.manifest.digest],
            "media_type": pushed.manifest.media_type,
            "pushed_by": pusher,
        },
    )
    deliveries_create(notifications=notifications, event=Event.REPO_PUSH, payload=payload)


def quota_event_record(quota_event: QuotaEvent) -> None:
    """``quota_warning`` / ``quota_error`` to the namespace's notifications (and the
    repository's, when the event names one that still exists)."""
    notifications = notifications_listening(
        event=quota_event.kind, namespace_id=quota_event.namespace_id, repository_id=quota_event.repository_id
    )
    if not notifications:
        return
    namespace_name = Namespace.objects.values_list("name", flat=True).get(pk=quota_event.namespace_id)
    repository_name = quota_event.repository.name if quota_event.repository is not None else None
    payload = namespace_event_data(
        namespace_name,
        {
            "repository": f"{namespace_name}/{repository_name}" if repository_name else None,
            "usage_bytes": quota_event.usage_bytes,
            "limit_bytes": quota_event.limit_bytes,
            "threshold_percent": quota_event.threshold_percent,
            "quota_percent": round(100 * quota_event.usage_bytes / quota_event.limit_bytes, 1),
        },
    )
    deliveries_create(notifications=notifications, event=quota_event.kind, payload=payload)


def mirror_event_record(mirror_event: mirroring_hooks.MirrorEvent) -> None:
    """repo_mirror_sync_started / _success / _failed, with what the last sync did."""
    mirror = mirror_event.mirror
    repository = mirror.repository
    notifications = notifications_listening(
        event=mirror_event.event, namespace_id=repository.namespace_id, repository_id=repository.pk
    )
    if not notifications:
        return
    extra: dict = {"external_reference": mirror.external_reference}
    if mirror_event.event != mirroring_hooks.SYNC_STARTED:
        extra.update(tags_synced=mirror.tags_synced, message=mirror.failed_reason or None)
    payload = repository_event_data(repository.namespace.name, repository.name, extra)
    deliveries_create(notifications=notifications, event=mirror_event.event, payload=payload)


def build_event_record(build_event: builds_hooks.BuildEvent) -> None:
    """build_queued / _start / _success / _failure / _cancelled, in Quay's build event data."""
    build = build_event.build
    repository = build.repository
    notifications = notifications_listening(
        event=build_event.event, namespace_id=repository.namespace_id, repository_id=repository.pk
    )
    if not notifications:
        return
    extra = {
        "build_id": str(build.uuid),
        "build_name": build.display_name,
        "docker_tags": list(build.tags),
        "trigger_id": str(build.trigger.uuid) if build.trigger else None,
        "trigger_kind": build.trigger.service if build.trigger else None,
        "trigger_metadata": build.trigger_metadata,
    }
    if build_event.event == builds_hooks.BUILD_FAILURE:
        extra["error_message"] = build.error
    payload = repository_event_data(repository.namespace.name, repository.name, extra)
    deliveries_create(notifications=notifications, event=build_event.event, payload=payload)


def listeners_register() -> None:
    """Idempotent: ready() may run more than once in a process."""
    if repo_push_record not in hooks.after_push:
        hooks.after_push.append(repo_push_record)
    if quota_event_record not in quota_hooks.after_quota_event:
        quota_hooks.after_quota_event.append(quota_event_record)
    if mirror_event_record not in mirroring_hooks.after_mirror_event:
        mirroring_hooks.after_mirror_event.append(mirror_event_record)
    if build_event_record not in builds_hooks.after_build_event:
        builds_hooks.after_build_event.append(build_event_record)
