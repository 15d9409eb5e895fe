"""The superuser console's front page lists what happened lately from our audit log: every
change made through the API, the web UI, the registry and the console lands there, while
Django's LogEntry sees only the console's own edits."""

from __future__ import annotations

from django import template
from django.db.models import QuerySet

from orgs.models import AuditLog

register = template.Library()

RECENT_AUDIT_ROWS = 20


@register.simple_tag
def audit_log_recent() -> QuerySet[AuditLog]:
    return AuditLog.objects.order_by("-created", "-pk")[:RECENT_AUDIT_ROWS]
