"""The build manager: hands queued builds to the configured executor, and watches the running
ones (the periodic ``builds_watch``): a build past BUILD_TIMEOUT expires, one whose executor
went silent for BUILD_HEARTBEAT_TIMEOUT is started again until BUILD_MAX_ATTEMPTS.

Claims use ``SELECT ... FOR UPDATE SKIP LOCKED`` so any number of workers share the queue and
a build is started once per attempt. Every attempt gets fresh tokens (builds.tokens): reports
and pushes of a lost attempt are refused once a new one starts.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from builds.executors.base import BuildJob, ExecutorError
from builds.executors.registry import executor_configured, executor_for
from builds.models import ENDED_PHASES, RepositoryBuild
from builds.services.logs import build_log_append_many
from builds.services.phases import build_phase_set
from builds.tokens import BUILD_USERNAME, build_token_issue
from orgs.secrets import secret_decrypt
from quaysite.jobs import enqueue

logger = logging.getLogger(__name__)
Phase = RepositoryBuild.Phase


def build_enqueue(*, build: RepositoryBuild) -> None:
    from builds.tasks import build_dispatch_task

    enqueue(build_dispatch_task, build.pk, queue="builds")


def _registry_host(build: RepositoryBuild) -> str:
    host = settings.SERVER_HOSTNAME or build.registry_host
    if not host:
        raise ExecutorError("the builder cannot reach the registry: SERVER_HOSTNAME is not configured")
    return host


def build_job_make(*, build: RepositoryBuild) -> BuildJob:
    uuid = str(build.uuid)
    host = _registry_host(build)
    repository = build.repository

    def token(purpose: str) -> str:
        return build_token_issue(build_uuid=uuid, attempt=build.attempts, purpose=purpose)

    pull = (BUILD_USERNAME, token("pull")) if build.pull_robot_id else None
    source = dict(build.source)
    if source["kind"] == "git" and build.trigger is not None and build.trigger.private_key_encrypted:
        # The deploy key leaves the database only inside the job, for the clone's ssh.
        source["private_key"] = secret_decrypt(build.trigger.private_key_encrypted)
    return BuildJob(
        build_uuid=uuid,
        source=source,
        context=build.context,
        dockerfile_path=build.dockerfile_path,
        build_args=dict(build.build_args),
        push_targets=[f"{host}/{repository.namespace.name}/{repository.name}:{tag}" for tag in build.tags],
        registry_host=host,
        registry_tls=settings.PREFERRED_URL_SCHEME == "https",
        push_credentials=(BUILD_USERNAME, token("push")),
        pull_credentials=pull,
        agent_token=token("agent"),
        attempt=build.attempts,
        timeout_seconds=settings.BUILD_TIMEOUT,
    )


@transaction.atomic
def _build_claim(build_id: int) -> tuple[RepositoryBuild, BuildJob] | None:
    build = (
        # "self": the trigger's side of the join is nullable, which PostgreSQL will not lock.
        RepositoryBuild.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("repository__namespace", "trigger")
        .filter(pk=build_id, phase=Phase.WAITING)
        .first()
    )
    # None: another worker has it, or it was cancelled or started meanwhile.
    if build is None:
        return None
    if build.cancel_requested:
        build_phase_set(build=build, phase=Phase.CANCELLED)
        return None
    executor = executor_configured()
    build.attempts += 1
    build.executor = executor.name
    build.save(update_fields=["attempts", "executor"])
    try:
        job = build_job_make(build=build)
    except ExecutorError as exc:
        build_phase_set(build=build, phase=Phase.ERROR, error=str(exc))
        return None
    scheduled = build_phase_set(build=build, phase=Phase.BUILD_SCHEDULED)
    return (scheduled or build), job


def build_dispatch(*, build_id: int) -> None:
    """Starts a waiting build on the configured executor (outside any transaction: a local
    build may run to its end here)."""
    claimed = _build_claim(build_id)
    if claimed is None:
        return
    build, job = claimed
    try:
        executor_for(build.executor).start(build, job)
    except ExecutorError as exc:
        build_phase_set(
            build=build, phase=Phase.ERROR, error=f"the executor could not start the build: {exc}"
        )


def _expire(build: RepositoryBuild) -> bool:
    moved = build_phase_set(
        build=build, phase=Phase.EXPIRED, error=f"the build ran longer than {settings.BUILD_TIMEOUT} seconds"
    )
    if moved is not None and build.executor:
        executor = executor_for(build.executor)
        transaction.on_commit(lambda: executor.cancel(moved))
    return moved is not None


@transaction.atomic
def _retry_or_fail(build: RepositoryBuild) -> bool:
    locked = RepositoryBuild.objects.select_for_update(skip_locked=True).filter(pk=build.pk).first()
    if locked is None or locked.phase in ENDED_PHASES or locked.phase == Phase.WAITING:
        return False
    if locked.cancel_requested:
        return build_phase_set(build=locked, phase=Phase.CANCELLED) is not None
    if locked.attempts >= settings.BUILD_MAX_ATTEMPTS:
        error = f"the executor was lost {locked.attempts} times; giving up"
        return build_phase_set(build=locked, phase=Phase.ERROR, error=error) is not None
    build_log_append_many(
        build=locked, lines=[f"the executor was lost; starting attempt {locked.attempts + 1}"], kind="error"
    )
    locked.phase = Phase.WAITING
    locked.phase_times = {**locked.phase_times, Phase.WAITING: timezone.now().isoformat()}
    locked.save(update_fields=["phase", "phase_times"])
    build_enqueue(build=locked)
    return True


def _executor_lost(build: RepositoryBuild) -> str | None:
    """What the executor knows of a lost builder before the heartbeat times out (a failed pod)."""
    if build.phase == Phase.BUILD_SCHEDULED or not build.executor:
        return None
    try:
        return executor_for(build.executor).lost(build)
    except ExecutorError:
        # It cannot tell now (its API did not answer): the heartbeat decides.
        logger.warning("build %s: executor %s could not tell", build.uuid, build.executor, exc_info=True)
        return None


def _running_since(build: RepositoryBuild) -> datetime:
    """When the current attempt was scheduled: time spent waiting in the queue is not running."""
    scheduled = build.phase_times.get(Phase.BUILD_SCHEDULED)
    return datetime.fromisoformat(scheduled) if scheduled else build.started


def builds_watch() -> int:
    now = timezone.now()
    moved = 0
    running = RepositoryBuild.objects.exclude(phase__in=[*ENDED_PHASES, Phase.WAITING]).select_related(
        "repository__namespace"
    )
    for build in running[:1000]:
        if _running_since(build) < now - timedelta(seconds=settings.BUILD_TIMEOUT):
            moved += _expire(build)
        elif build.heartbeat is None or build.heartbeat < now - timedelta(
            seconds=settings.BUILD_HEARTBEAT_TIMEOUT
        ):
            moved += _retry_or_fail(build)
        elif reason := _executor_lost(build):
            build_log_append_many(build=build, lines=[reason], kind="error")
            moved += _retry_or_fail(build)
    # Waiting builds whose job was lost with an in-memory queue (a restart) are queued again.
    stale = now - timedelta(seconds=settings.BUILD_HEARTBEAT_TIMEOUT)
    for build in RepositoryBuild.objects.filter(phase=Phase.WAITING, started__lt=stale).only("pk")[:1000]:
        if build.heartbeat is None or build.heartbeat < stale:
            RepositoryBuild.objects.filter(pk=build.pk).update(heartbeat=now)
            build_enqueue(build=build)
    return moved
