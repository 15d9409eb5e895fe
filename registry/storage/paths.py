"""Where objects live inside a storage location. The only module that builds storage paths."""

from __future__ import annotations

import re

from registry.digests import is_stored_digest

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def blob_path(digest: str) -> str:
    # Validated again here because a path built from an unchecked digest could escape the store.
    if not is_stored_digest(digest):
        raise ValueError(f"not a digest: {digest!r}")
    algorithm, hex_ = digest.split(":", 1)
    return f"{algorithm}/{hex_[:2]}/{hex_}"


def upload_segment_path(upload_uuid: str, segment: int) -> str:
    if not UUID_RE.fullmatch(upload_uuid) or segment < 0:
        raise ValueError(f"not an upload segment: {upload_uuid!r} {segment!r}")
    return f"uploads/{upload_uuid}/{segment:06d}"


def health_check_path(instance: str) -> str:
    return f"health/{instance}"
