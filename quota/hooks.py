"""Points where other apps hear of quota's events; nothing here imports them.

``after_quota_event`` hooks are called with each ``QuotaEvent`` row just written, inside the
transaction that writes it: a warning's is the push's own transaction, so what a hook writes
(a notification's delivery) commits or rolls back with the push; an error's is a transaction
of its own after the refused push rolled back, holding the event row and what the hooks write.
"""

from __future__ import annotations

from collections.abc import Callable

from quota.models import QuotaEvent

after_quota_event: list[Callable[[QuotaEvent], None]] = []


def quota_event_hooks_run(event: QuotaEvent) -> None:
    for hook in after_quota_event:
        hook(event)
