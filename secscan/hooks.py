"""Where other apps hear of what scanning finds; nothing here imports them (notifications
subscribes in its listeners, as the import rule wants).

``after_vulnerability_found`` hooks are called once per vulnerability newly found in a
manifest, inside the worker's transaction that records the scan, so what a hook writes (a
notification's delivery) commits with the report it tells of.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class VulnerabilityFound:
    namespace_id: int
    namespace: str
    repository_id: int
    repository: str
    manifest_digest: str
    tags: tuple[str, ...]
    # Quay's event data: id, description, link, priority, has_fix (plus package and version).
    vulnerability: dict


after_vulnerability_found: list[Callable[[VulnerabilityFound], None]] = []


def vulnerability_found_hooks_run(event: VulnerabilityFound) -> None:
    for hook in after_vulnerability_found:
        hook(event)
