"""Quay's short durations ("30s", "6h", "3d", "2w"): tag expiration options, the
`quay.expires-after` label and the time machine window all use them."""

from __future__ import annotations

import re
from datetime import timedelta

DURATION = re.compile(r"(\d{1,6})([smhdw])")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def duration_parse(text: str) -> timedelta | None:
    """The duration, or None when the text is not one (callers word their own error)."""
    match = DURATION.fullmatch(text.strip())
    if match is None:
        return None
    return timedelta(seconds=int(match.group(1)) * UNIT_SECONDS[match.group(2)])
