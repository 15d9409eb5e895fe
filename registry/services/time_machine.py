"""The time machine window: ended tag rows stay restorable, and their manifests and blobs safe
from garbage collection, for this long after they end."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from orgs.models import Namespace
from quaysite.durations import duration_parse


def default_window() -> timedelta:
    return duration_parse(settings.DEFAULT_TAG_EXPIRATION) or timedelta(weeks=2)


def time_machine_window(namespace: Namespace) -> timedelta:
    if namespace.time_machine_seconds is None:
        return default_window()
    return timedelta(seconds=namespace.time_machine_seconds)
