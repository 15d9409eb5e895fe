"""Cancelling a build: at once when no executor has it yet, else by asking its executor to stop
(the build then ends ``cancelled`` when the builder has stopped, or at the manager's next look)."""

from __future__ import annotations

from django.db import transaction

from builds.errors import BuildStateConflict
from builds.models import ENDED_PHASES, RepositoryBuild
from builds.services.phases import build_lock, build_phase_set
from orgs.audit import audit_log_write
from orgs.models import User
from registry.services.authorization import require_repository_write

Phase = RepositoryBuild.Phase


@transaction.atomic
def build_cancel(*, build: RepositoryBuild, actor: User | None) -> RepositoryBuild:
    require_repository_write(actor=actor, repository=build.repository)
    locked = build_lock(build_id=build.pk)
    if locked.phase in ENDED_PHASES:
        raise BuildStateConflict(f"the build {locked.uuid} has ended ({locked.phase}): nothing to cancel")
    locked.cancel_requested = True
    locked.save(update_fields=["cancel_requested"])
    audit_log_write(
        kind="cancel_build",
        performer=actor,
        repository=locked.repository,
        metadata={
            "repo": locked.repository.name,
            "namespace": locked.repository.namespace.name,
            "build_id": str(locked.uuid),
        },
    )
    if locked.phase == Phase.WAITING or not locked.executor:
        return build_phase_set(build=locked, phase=Phase.CANCELLED) or locked
    from builds.executors.registry import executor_for

    executor = executor_for(locked.executor)
    transaction.on_commit(lambda: executor.cancel(locked))
    return locked
