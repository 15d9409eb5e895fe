"""Registry-wide read-only mode (``REGISTRY_STATE: readonly``): during maintenance every write is
refused and reads go on. Every app asks here; the setting is read per call, so tests (and a
reload) see the value in force."""

from __future__ import annotations

from django.conf import settings

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MESSAGE = "the registry is in read-only mode for maintenance: pulls and reads work, writes are refused"


def registry_read_only() -> bool:
    return settings.REGISTRY_STATE == "readonly"
