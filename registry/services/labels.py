"""Labels on manifests: read from the image config's ``config.Labels`` at push (source
``manifest``, immutable), added and deleted through the API (source ``api``, audited).

Keys added through the API follow Quay's rules: lower-case dotted names, none under a
reserved prefix (so nobody sets ``quay.expires-after`` after the fact).
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from datetime import timedelta

from django.db import transaction

from orgs.audit import audit_log_write
from orgs.errors import InvalidInput
from orgs.models import User
from quaysite.durations import duration_parse
from registry.manifest_formats import IMAGE_TYPES, ParsedManifest, json_depth_within
from registry.models import BlobPlacement, Label, Manifest, Repository
from registry.selectors.labels import label_get
from registry.services.authorization import require_repository_write
from registry.services.repository_states import repository_require_normal
from registry.storage import storage_for
from registry.storage.base import PathNotFound
from registry.storage.paths import blob_path

logger = logging.getLogger(__name__)

IMAGE_CONFIG_TYPES = frozenset(
    {"application/vnd.oci.image.config.v1+json", "application/vnd.docker.container.image.v1+json"}
)
# An image config is a few KiB; a larger one is read no further than this.
CONFIG_READ_MAX = 1024 * 1024
# A real config nests about five levels; a deeper one would recurse in whatever renders it.
CONFIG_DEPTH_MAX = 32
LABELS_FROM_CONFIG_MAX = 256
KEY_MAX = 255
VALUE_MAX = 64 * 1024
LABEL_MEDIA_TYPES = ("text/plain", "application/json")
VALID_KEY = re.compile(r"^[a-z0-9](?:[a-z0-9]|[-.](?![.-]))*[a-z0-9]$|^[a-z0-9]$")
RESERVED_PREFIXES = (
    "com.docker.",
    "io.docker.",
    "org.dockerproject.",
    "org.opencontainers.",
    "io.cncf.",
    "io.kubernetes.",
    "io.k8s.",
    "io.quay",
    "com.coreos",
    "com.tectonic",
    "internal",
    "quay",
)
EXPIRES_AFTER = "quay.expires-after"


def image_config_read(*, repository: Repository, parsed: ParsedManifest) -> dict | None:
    """The image config as JSON, read only through the repository's own link to it; None for
    an index, an artifact, a config the repository does not hold, or one too large or not
    readable as the JSON we expect (a push never fails for it: its digest was checked).

    Every reader of configs (labels at push, the web's manifest page, the API's layer
    commands) comes here: a config found by digest across the registry would let anyone read
    another tenant's private config (Env, labels, history)."""
    config = parsed.config
    if parsed.media_type not in IMAGE_TYPES or config is None or config.media_type not in IMAGE_CONFIG_TYPES:
        return None
    if config.size > CONFIG_READ_MAX:
        return None
    location = (
        BlobPlacement.objects.filter(
            blob__digest=config.digest, blob__repository_links__repository=repository
        )
        .values_list("location", flat=True)
        .first()
    )
    if location is None:
        return None
    try:
        stream = storage_for(location).open(blob_path(config.digest))
        try:
            document = json.loads(stream.read(CONFIG_READ_MAX + 1))
        finally:
            stream.close()
    except (OSError, ValueError, RecursionError, PathNotFound) as error:
        logger.warning("image config %s unreadable: %s", config.digest, error)
        return None
    if not isinstance(document, dict) or not json_depth_within(document, CONFIG_DEPTH_MAX):
        return None
    return document


def config_labels_read(*, repository: Repository, parsed: ParsedManifest) -> dict[str, str]:
    """The image config's ``config.Labels`` that fit the label columns, at most a few hundred."""
    document = image_config_read(repository=repository, parsed=parsed) or {}
    inner = document.get("config")
    labels = inner.get("Labels") if isinstance(inner, dict) else None
    if not isinstance(labels, dict):
        return {}
    kept = {
        key: value
        for key, value in labels.items()
        if isinstance(key, str)
        and isinstance(value, str)
        and 0 < len(key) <= KEY_MAX
        and len(value) <= VALUE_MAX
        # NUL cannot be stored in a PostgreSQL text column.
        and "\x00" not in key + value
    }
    return dict(sorted(kept.items())[:LABELS_FROM_CONFIG_MAX])


def _media_type_for(value: str) -> str:
    try:
        json.loads(value)
    except ValueError:
        return "text/plain"
    return "application/json" if value.lstrip()[:1] in ("{", "[") else "text/plain"


def labels_record_from_config(*, manifest: Manifest, labels: dict[str, str]) -> None:
    Label.objects.bulk_create(
        [
            Label(
                uuid=str(uuid.uuid4()),
                manifest=manifest,
                key=key,
                value=value,
                source_type=Label.Source.MANIFEST,
                media_type=_media_type_for(value),
            )
            for key, value in labels.items()
        ]
    )


def expires_after(labels: dict[str, str]) -> timedelta | None:
    """The ``quay.expires-after`` label's duration (2h, 3d, 1w); None when absent or invalid."""
    raw = labels.get(EXPIRES_AFTER)
    duration = duration_parse(raw) if raw else None
    return duration if duration else None


def manifest_labels_from_config(*, manifest: Manifest) -> dict[str, str]:
    rows = manifest.labels.filter(source_type=Label.Source.MANIFEST).values_list("key", "value")
    return dict(rows)


def _key_check(key: str) -> None:
    if len(key) > KEY_MAX or not VALID_KEY.match(key):
        raise InvalidInput(
            f"label key {key[:KEY_MAX]!r} is invalid: lower-case letters, digits, '.' and '-', "
            "starting and ending with a letter or digit"
        )
    if key.startswith(RESERVED_PREFIXES):
        raise InvalidInput(f"label key {key!r} has a reserved prefix")


@transaction.atomic
def label_add(
    *, actor: User | None, manifest: Manifest, key: str, value: str, media_type: str | None
) -> Label:
    repository = manifest.repository
    require_repository_write(actor=actor, repository=repository)
    repository_require_normal(repository=repository)
    _key_check(key)
    if len(value) > VALUE_MAX:
        raise InvalidInput(f"label value is longer than {VALUE_MAX} characters")
    if media_type is not None and media_type not in LABEL_MEDIA_TYPES:
        raise InvalidInput("media_type must be text/plain or application/json")
    if media_type == "application/json":
        try:
            json.loads(value)
        except ValueError:
            raise InvalidInput("the value is not JSON, as media_type application/json says") from None
    label = Label.objects.create(
        uuid=str(uuid.uuid4()),
        manifest=manifest,
        key=key,
        value=value,
        source_type=Label.Source.API,
        media_type=media_type or _media_type_for(value),
    )
    audit_log_write(
        kind="manifest_label_add",
        performer=actor,
        repository=repository,
        metadata={
            "id": label.uuid,
            "key": key,
            "value": value,
            "manifest_digest": manifest.digest,
            "media_type": label.media_type,
            "namespace": repository.namespace.name,
            "repo": repository.name,
        },
    )
    return label


@transaction.atomic
def label_delete(*, actor: User | None, manifest: Manifest, label_id: str) -> Label:
    repository = manifest.repository
    require_repository_write(actor=actor, repository=repository)
    repository_require_normal(repository=repository)
    label = label_get(manifest=manifest, label_id=label_id)
    if label.source_type == Label.Source.MANIFEST:
        raise InvalidInput("this label comes from the image's manifest and cannot be deleted")
    label.delete()
    audit_log_write(
        kind="manifest_label_delete",
        performer=actor,
        repository=repository,
        metadata={
            "id": label_id,
            "key": label.key,
            "value": label.value,
            "manifest_digest": manifest.digest,
            "namespace": repository.namespace.name,
            "repo": repository.name,
        },
    )
    return label
