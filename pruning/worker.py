"""The auto-prune worker: claims the namespace that waited longest and prunes it. Any number of
workers (threads, rq workers, server replicas) may run at once.

A claim is a ``SELECT ... FOR UPDATE SKIP LOCKED`` of the task due longest (never run, or last
claimed more than AUTO_PRUNING_POLL_PERIOD ago) that stamps it with the claim's time and commits:
the next claimer skips the locked row, then finds it not due. While it prunes, the worker renews
the stamp after every repository, so a namespace with many repositories is not claimed again
before it is done; a crashed worker's namespace is due again one period later. Each repository's
deletes run under its repository lock and end only tags still live, so even a claim taken over
from a worker that stalled for a period prunes no tag twice. On SQLite the lock clause is
dropped: its write transactions already run one at a time.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef

from pruning.models import TASK_DUE, AutoPruneTaskStatus, NamespaceAutoPrunePolicy, RepositoryAutoPrunePolicy
from pruning.services import PruneResult, namespace_prune

logger = logging.getLogger(__name__)

# One run of the periodic job claims at most this many namespaces; the next run goes on.
RUN_MAX_NAMESPACES = 100
STATUS_RUNNING = "running"
STATUS_SUCCESS = "success"


def now_ms() -> int:
    return int(time.time() * 1000)


def autoprune_task_claim() -> AutoPruneTaskStatus | None:
    """The due task, stamped as claimed now, or None: one indexed query when nothing is due."""
    claimed_at = now_ms()
    due_before = claimed_at - settings.AUTO_PRUNING_POLL_PERIOD * 1000
    with transaction.atomic():
        due = (
            AutoPruneTaskStatus.objects.alias(due=TASK_DUE)
            .filter(due__lt=due_before)
            .order_by("due")
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("namespace")
            .first()
        )
        if due is None:
            return None
        due.last_ran_ms = claimed_at
        due.status = STATUS_RUNNING
        due.save(update_fields=["last_ran_ms", "status"])
    return due


def _task_delete_if_unused(task: AutoPruneTaskStatus) -> bool:
    """Deletes the task when its namespace has no policy left. The row lock first: a policy
    being created holds it until its commit, so the check below then sees that policy."""
    with transaction.atomic():
        if AutoPruneTaskStatus.objects.select_for_update().filter(pk=task.pk).first() is None:
            return True
        policies = Exists(
            NamespaceAutoPrunePolicy.objects.filter(namespace_id=OuterRef("namespace_id"))
        ) | Exists(RepositoryAutoPrunePolicy.objects.filter(namespace_id=OuterRef("namespace_id")))
        deleted, _ = AutoPruneTaskStatus.objects.filter(pk=task.pk).exclude(policies).delete()
    return bool(deleted)


def _renew(task: AutoPruneTaskStatus) -> None:
    AutoPruneTaskStatus.objects.filter(pk=task.pk).update(last_ran_ms=now_ms())


@dataclass(frozen=True)
class TaskRun:
    namespace: str
    result: PruneResult | None  # None: the task was deleted, no policy left
    status: str


def autoprune_task_run(task: AutoPruneTaskStatus) -> TaskRun:
    """Prunes the claimed task's namespace and records how it went."""
    if _task_delete_if_unused(task):
        return TaskRun(namespace=task.namespace.name, result=None, status="deleted")
    try:
        result = namespace_prune(namespace=task.namespace, after_repository=lambda: _renew(task))
        status = STATUS_SUCCESS
    except Exception as exc:
        # One namespace's failure (a policy row edited by hand into nonsense) must not stop the
        # others; the status says what went wrong and the namespace is retried next period.
        logger.exception("auto-prune of namespace %s failed", task.namespace.name)
        result, status = None, f"failure: {exc}"[:1000]
    AutoPruneTaskStatus.objects.filter(pk=task.pk).update(status=status, last_ran_ms=now_ms())
    return TaskRun(namespace=task.namespace.name, result=result, status=status)


def autoprune_run(*, max_namespaces: int = RUN_MAX_NAMESPACES) -> list[TaskRun]:
    """Claims and prunes due namespaces one after another until none is due."""
    runs = []
    for _ in range(max_namespaces):
        task = autoprune_task_claim()
        if task is None:
            break
        runs.append(autoprune_task_run(task))
    return runs
