"""Background jobs of identity: thin wrappers over services, enqueued by quaysite.jobs."""

from __future__ import annotations

from orgs.throttle import login_failures_expire


def login_failures_expire_task() -> int:
    return login_failures_expire()
