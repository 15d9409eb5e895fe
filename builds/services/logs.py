"""A build's log lines: stored one row each as they arrive, indexed 0.. per build, and told to
``builds.hooks.after_log_lines`` once they commit (the live view)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from builds.hooks import log_lines_hooks_run
from builds.models import BuildLogEntry, RepositoryBuild

MESSAGE_MAX = 64 * 1024


@transaction.atomic
def build_log_append(
    *, build: RepositoryBuild, message: str, phase: str | None = None, kind: str = "text"
) -> BuildLogEntry:
    return build_log_append_many(build=build, lines=[message], phase=phase, kind=kind)[0]


@transaction.atomic
def build_log_append_many(
    *, build: RepositoryBuild, lines: list[str], phase: str | None = None, kind: str = "text"
) -> list[BuildLogEntry]:
    """Appends lines in order. The build row is locked so concurrent appenders take turns for
    the next index."""
    if kind not in BuildLogEntry.Kind.values:
        raise ValueError(f"unknown log entry kind {kind!r}")
    locked = RepositoryBuild.objects.select_for_update().only("id", "phase").get(pk=build.pk)
    last = BuildLogEntry.objects.filter(build_id=build.pk).aggregate(last=Max("index"))["last"]
    start = 0 if last is None else last + 1
    now = timezone.now()
    entries = BuildLogEntry.objects.bulk_create(
        [
            BuildLogEntry(
                build_id=build.pk,
                index=start + offset,
                phase=phase or locked.phase,
                message=line[:MESSAGE_MAX],
                kind=kind,
                time=now,
            )
            for offset, line in enumerate(lines)
        ]
    )
    transaction.on_commit(lambda: log_lines_hooks_run(build, entries))
    return entries
