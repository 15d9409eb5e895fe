"""An organization's usage logs: the latest actions, and a chart of actions per day."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from orgs.selectors.audit import audit_log_counts_per_day, audit_log_rows
from orgs.web.http import page
from orgs.web.organizations import organization_admin_context

CHART_DAYS = 30
ROWS_SHOWN = 100


def chart_bars(counts: list[tuple], *, days: int, today: date) -> list[dict]:
    """One bar per day, oldest first, its height relative to the busiest day."""
    per_day: Counter = Counter()
    for day, _kind, count in counts:
        per_day[day] += count
    busiest = max(per_day.values(), default=0) or 1
    bars = []
    for offset in range(days - 1, -1, -1):
        day = today - timedelta(days=offset)
        total = per_day.get(day, 0)
        bars.append({"day": day, "count": total, "height": round(100 * total / busiest)})
    return bars


def kind_totals(counts: list[tuple]) -> list[tuple[str, int]]:
    totals: Counter[str] = Counter()
    for _day, kind, count in counts:
        totals[kind] += count
    return totals.most_common()


@page
def usage_logs(request: HttpRequest, org: str) -> HttpResponse:
    context = organization_admin_context(request, org, "logs")
    namespace = context["org"].namespace
    now = timezone.now()
    start = (now - timedelta(days=CHART_DAYS - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    counts = audit_log_counts_per_day(namespace=namespace, start=start, end=now + timedelta(seconds=1))
    context.update(
        bars=chart_bars(counts, days=CHART_DAYS, today=now.date()),
        kinds=kind_totals(counts),
        rows=audit_log_rows(start=start, end=now + timedelta(seconds=1), namespace=namespace)[:ROWS_SHOWN],
        days=CHART_DAYS,
    )
    return render(request, "ui/orgs/logs.html", context)
