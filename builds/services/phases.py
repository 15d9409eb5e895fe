"""A build's moves from phase to phase: each timestamped, each logged as a ``phase`` line, each
ending one archived and told to build event hooks (notifications) in the same transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from builds import hooks
from builds.models import ENDED_PHASES, RepositoryBuild
from builds.services.logs import build_log_append_many
from quaysite.jobs import enqueue

Phase = RepositoryBuild.Phase
_EVENTS = {
    Phase.COMPLETE: hooks.BUILD_SUCCESS,
    Phase.ERROR: hooks.BUILD_FAILURE,
    Phase.EXPIRED: hooks.BUILD_FAILURE,
    Phase.CANCELLED: hooks.BUILD_CANCELLED,
}


def build_lock(*, build_id: int) -> RepositoryBuild:
    return (
        RepositoryBuild.objects.select_for_update().select_related("repository__namespace").get(pk=build_id)
    )


@transaction.atomic
def build_phase_set(
    *, build: RepositoryBuild, phase: str, error: str = "", attempt: int | None = None
) -> RepositoryBuild | None:
    """Moves the build to ``phase``; None (and nothing written) when it has ended already, or
    when ``attempt`` is given and is no longer the build's (a report from a lost executor)."""
    locked = build_lock(build_id=build.pk)
    if locked.phase in ENDED_PHASES or (attempt is not None and attempt != locked.attempts):
        return None
    now = timezone.now()
    locked.phase = phase
    locked.phase_times = {**locked.phase_times, phase: now.isoformat()}
    locked.heartbeat = now
    fields = ["phase", "phase_times", "heartbeat"]
    if phase in ENDED_PHASES:
        locked.finished = now
        locked.error = error
        fields += ["finished", "error"]
    locked.save(update_fields=fields)
    build_log_append_many(build=locked, lines=[phase], phase=phase, kind="phase")
    if error:
        build_log_append_many(build=locked, lines=[error], phase=phase, kind="error")
    event = _EVENTS.get(Phase(phase))
    if event is None and phase == Phase.BUILD_SCHEDULED and locked.attempts == 1:
        event = hooks.BUILD_START
    if event is not None:
        hooks.build_event_hooks_run(hooks.BuildEvent(event=event, build=locked))
    if phase in ENDED_PHASES:
        # Imported here: the tasks module imports the services that import this one.
        from builds.tasks import build_logs_archive_task

        enqueue(build_logs_archive_task, locked.pk)
    return locked


@transaction.atomic
def build_heartbeat(*, build: RepositoryBuild, attempt: int) -> bool:
    """Records a sign of life; False when the build ended or moved to another attempt (the
    reporter should stop), and whether a cancel was asked is the caller's next read."""
    updated = (
        RepositoryBuild.objects.filter(pk=build.pk, attempts=attempt)
        .exclude(phase__in=ENDED_PHASES)
        .update(heartbeat=timezone.now())
    )
    return updated == 1
