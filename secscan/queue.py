"""A pushed manifest enters the scan queue in its push's transaction (``registry.hooks.after_push``).

The push enqueues no job: the security worker runs every SECURITY_SCANNER_INDEXING_INTERVAL
seconds, as Quay's does: a push costs one more row, and no job."""

from __future__ import annotations

from django.conf import settings

from registry import hooks
from registry.manifest_formats import IMAGE_TYPES
from registry.services.labels import IMAGE_CONFIG_TYPES
from secscan.models import ManifestSecurity


def manifest_security_queue(pushed: hooks.Pushed) -> None:
    """Queues an image manifest once (a re-tag of a scanned manifest keeps its report); an
    index or an artifact is recorded ``unsupported``, as Quay reports them."""
    if not settings.FEATURE_SECURITY_SCANNER:
        return
    manifest = pushed.manifest
    supported = manifest.media_type in IMAGE_TYPES and manifest.config_media_type in IMAGE_CONFIG_TYPES
    ManifestSecurity.objects.get_or_create(
        manifest=manifest,
        defaults={
            "status": ManifestSecurity.Status.QUEUED if supported else ManifestSecurity.Status.UNSUPPORTED,
            "reason": "" if supported else "only image manifests are scanned",
        },
    )


def queue_hooks_register() -> None:
    if manifest_security_queue not in hooks.after_push:
        hooks.after_push.append(manifest_security_queue)
