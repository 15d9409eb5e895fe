"""When a repository next needs garbage collection, so the periodic pass visits only those.

Writers that can make garbage (a tag row ends, a manifest is deleted or pushed, a blob is linked
or unlinked) mark the repository due now. A visit then computes the next moment garbage can
appear without any further change: the earliest live-at-window-start tag row's end plus the time
machine window (a tag deleted two weeks ago becomes garbage with no new change), or the earliest
push or link still inside the grace period, plus that grace.

A visit is several transactions, and a change can land between them: a visit first moves the
due time past its own end, so the change's mark (which only ever moves it earlier) shows when
the visit ends, and a worker that died mid-visit leaves a time when the next one takes over.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Min, Q
from django.utils import timezone

from orgs.services.namespaces import time_machine_window
from registry.models import Manifest, Repository, RepositoryBlob, Tag

# How long a visit may take before another pass takes the repository up again.
GC_VISIT_RETRY = timedelta(minutes=15)


def gc_due_mark(*, repository_id: int) -> None:
    """Makes the repository due now; an earlier due time stays. Matching no row (already due)
    writes nothing, so a push's many blob links cost one cheap UPDATE each."""
    now = timezone.now()
    Repository.objects.filter(Q(gc_due__isnull=True) | Q(gc_due__gt=now), pk=repository_id).update(gc_due=now)


def gc_due_mark_namespace(*, namespace_id: int) -> None:
    """A changed time machine window moves when every ended row becomes garbage."""
    now = timezone.now()
    Repository.objects.filter(Q(gc_due__isnull=True) | Q(gc_due__gt=now), namespace_id=namespace_id).update(
        gc_due=now
    )


def gc_due_next(*, repository: Repository, now: datetime, grace: timedelta) -> datetime | None:
    """The next moment something in the repository can turn into garbage by time alone."""
    window = time_machine_window(repository.namespace)
    candidates = []
    tag_end = Tag.objects.filter(repository=repository, end__gt=now - window).aggregate(first=Min("end"))[
        "first"
    ]
    if tag_end is not None:
        candidates.append(tag_end + window)
    for rows, column in (
        (Manifest.objects.filter(repository=repository, created__gt=now - grace), "created"),
        (RepositoryBlob.objects.filter(repository=repository, touched__gt=now - grace), "touched"),
    ):
        first = rows.aggregate(first=Min(column))["first"]
        if first is not None:
            candidates.append(first + grace)
    return min(candidates, default=None)


def gc_due_visit_start(*, repository: Repository, now: datetime) -> datetime:
    """Called by GC with the repository row locked, before its first step; returns the mark the
    visit leaves, which ``gc_due_set_after_visit`` expects to find."""
    visiting = now + GC_VISIT_RETRY
    Repository.objects.filter(pk=repository.pk).update(gc_due=visiting)
    return visiting


def gc_due_set_after_visit(
    *, repository: Repository, now: datetime, grace: timedelta, visiting: datetime
) -> None:
    """Called by GC with the repository row locked, as its last step. Any other value than the
    visit's own mark is a change made during the visit (or another worker's visit): it stays
    unless what is left is due sooner."""
    due = gc_due_next(repository=repository, now=now, grace=grace)
    marked = repository.gc_due
    if marked is not None and marked != visiting:
        due = marked if due is None else min(due, marked)
    Repository.objects.filter(pk=repository.pk).update(gc_due=due)


def repositories_gc_due(*, now: datetime, limit: int) -> list[int]:
    return list(
        Repository.objects.filter(gc_due__lte=now)
        .order_by("gc_due", "pk")
        .values_list("pk", flat=True)[:limit]
    )
