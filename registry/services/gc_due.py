"""When a repository next needs garbage collection, so the periodic pass visits only those.

Writers that can make garbage (a tag row ends, a manifest is deleted or pushed, a blob is linked
or unlinked) mark the repository due now. A visit then computes the next moment garbage can
appear without any further change: the earliest live-at-window-start tag row's end plus the time
machine window (a tag deleted two weeks ago becomes garbage with no new change), or the earliest
push or link still inside the grace period, plus that grace.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Min, Q
from django.utils import timezone

from orgs.services.namespaces import time_machine_window
from registry.models import Manifest, Repository, RepositoryBlob, Tag


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


def gc_due_set_after_visit(*, repository: Repository, now: datetime, grace: timedelta) -> None:
    """Called by GC with the repository row locked: no tag or manifest change can interleave,
    and a link's mark waits for the lock, then applies over this value."""
    Repository.objects.filter(pk=repository.pk).update(
        gc_due=gc_due_next(repository=repository, now=now, grace=grace)
    )


def repositories_gc_due(*, now: datetime, limit: int) -> list[int]:
    return list(
        Repository.objects.filter(gc_due__lte=now)
        .order_by("gc_due", "pk")
        .values_list("pk", flat=True)[:limit]
    )
