"""`manage.py checkconfig`'s storage check: each location takes, returns and deletes an object."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from registry.storage import driver_build

PROBE = b"quaysite checkconfig probe\n"
KEY = "DISTRIBUTED_STORAGE_CONFIG"


def storage_problems(values: dict[str, Any]) -> Iterator[str]:
    from django.conf import settings

    for location, spec in settings.STORAGE_CONFIG.items():
        # Outside the blob and upload paths, so nothing else ever reads or collects it.
        path = f"checkconfig/{uuid.uuid4().hex}"
        try:
            driver = driver_build(location, spec)
            with driver.writer(path) as writer:
                writer.write(PROBE)
                writer.commit()
            try:
                with driver.open(path) as stream:
                    read = stream.read()
                if read != PROBE:
                    yield f"{KEY}: location {location!r} returned other bytes than written"
            finally:
                driver.delete(path)
        except Exception as exc:
            yield f"{KEY}: location {location!r} does not work: {type(exc).__name__}: {exc}"
