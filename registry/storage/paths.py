"""Where objects live inside a storage location. The only module that builds storage paths."""

from __future__ import annotations

import re

# Storage keeps its own narrow grammar of what may name a blob file (it knows no manifests or
# digest rules): the algorithms the registry accepts, lowercase hex of their exact length.
DIGEST_RE = re.compile(r"sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128}")
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def blob_path(digest: str) -> str:
    # Validated again here because a path built from an unchecked digest could escape the store.
    if not DIGEST_RE.fullmatch(digest):
        raise ValueError(f"not a digest: {digest!r}")
    algorithm, hex_ = digest.split(":", 1)
    return f"{algorithm}/{hex_[:2]}/{hex_}"


def upload_segment_path(upload_uuid: str, segment: int) -> str:
    if not UUID_RE.fullmatch(upload_uuid) or segment < 0:
        raise ValueError(f"not an upload segment: {upload_uuid!r} {segment!r}")
    return f"uploads/{upload_uuid}/{segment:06d}"


def health_check_path(instance: str) -> str:
    return f"health/{instance}"


def filedrop_path(file_id: str) -> str:
    """An uploaded build context (the builds app's filedrop)."""
    if not UUID_RE.fullmatch(file_id):
        raise ValueError(f"not a file id: {file_id!r}")
    return f"filedrop/{file_id}"


def build_log_archive_path(build_uuid: str) -> str:
    """A finished build's log lines, archived as gzipped JSON lines."""
    if not UUID_RE.fullmatch(build_uuid):
        raise ValueError(f"not a build id: {build_uuid!r}")
    return f"buildlogs/{build_uuid[:2]}/{build_uuid}.jsonl.gz"
