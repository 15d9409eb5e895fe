"""The security worker: claims queued manifests (``SELECT ... FOR UPDATE SKIP LOCKED``), scans
each outside any transaction, and records the report, with a ``vulnerability_found`` per new
finding, in one transaction. Scanned manifests are matched again when newer vulnerability data
has been imported (the built-in scanner; Clair keeps its own data).

Any number of workers share the queue: a claim holds a row for CLAIM_SECONDS, so a worker that
died leaves its manifest due again. A manifest whose layers cannot be indexed is marked
``failed`` with the reason and the worker goes on to the next; one the scanner could not be
asked about (Clair down, storage away) is tried again later, ATTEMPTS_MAX times in all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from registry.manifest_formats import IMAGE_TYPES, manifest_parse
from registry.models import BlobPlacement, Manifest, Tag
from registry.services.labels import IMAGE_CONFIG_TYPES
from registry.tag_liveness import tag_active_q
from secscan.hooks import VulnerabilityFound, vulnerability_found_hooks_run
from secscan.models import ManifestSecurity
from secscan.scanners import scanner_configured
from secscan.scanners.base import LayerRef, ManifestRef, ScannerUnavailable
from secscan.severity import severity_at_least
from secscan.vulndata import vulndata_generation

logger = logging.getLogger(__name__)

CLAIM_SECONDS = 900
ATTEMPTS_MAX = 3
RUN_MAX = 50
RETRY_SECONDS = 60
BACKFILL_MAX = 500
# One scan tells at most this many findings: a first scan of an old image can find hundreds.
EVENTS_PER_SCAN_MAX = 50


@dataclass
class WorkerRun:
    scanned: int = 0
    failed: int = 0
    rematched: int = 0
    retried: int = 0
    layers_indexed: int = 0
    layers_reused: int = 0


def _claim(scope: Q) -> ManifestSecurity | None:
    now = timezone.now()
    with transaction.atomic():
        row = (
            ManifestSecurity.objects.select_for_update(skip_locked=True)
            .filter(scope)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .order_by("pk")
            .first()
        )
        if row is None:
            return None
        row.claimed_until = now + timedelta(seconds=CLAIM_SECONDS)
        row.attempts += 1
        row.save(update_fields=["claimed_until", "attempts"])
    return row


def _manifest_ref(row: ManifestSecurity) -> ManifestRef:
    manifest = row.manifest
    repository = manifest.repository
    parsed = manifest_parse(bytes(manifest.content), manifest.media_type)
    locations = dict(
        BlobPlacement.objects.filter(blob__digest__in=[layer.digest for layer in parsed.layers]).values_list(
            "blob__digest", "location"
        )
    )
    missing = [layer.digest for layer in parsed.layers if layer.digest not in locations]
    if missing:
        raise ScannerUnavailable(f"layer {missing[0]} is not stored")
    return ManifestRef(
        repository_id=repository.pk,
        repository=f"{repository.namespace.name}/{repository.name}",
        digest=manifest.digest,
        layers=tuple(LayerRef(layer.digest, layer.size, locations[layer.digest]) for layer in parsed.layers),
    )


def _findings(features: list[dict]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for feature in features:
        for vulnerability in feature.get("Vulnerabilities", []):
            found.setdefault(
                f"{vulnerability['Name']}|{feature['Name']}|{feature['Version']}",
                {
                    "id": vulnerability["Name"],
                    "description": vulnerability.get("Description", ""),
                    "link": vulnerability.get("Link", ""),
                    "priority": vulnerability.get("Severity", "Unknown"),
                    "has_fix": bool(vulnerability.get("FixedBy")),
                    "fixed_by": vulnerability.get("FixedBy", ""),
                    "package": feature["Name"],
                    "version": feature["Version"],
                },
            )
    return found


def _events_record(row: ManifestSecurity, before: list[dict], after: list[dict]) -> int:
    if not settings.FEATURE_SECURITY_SCANNER_NOTIFY_ON_NEW_INDEX:
        return 0
    minimum = settings.NOTIFICATION_MIN_SEVERITY_ON_NEW_INDEX
    known = _findings(before)
    new = [
        finding
        for key, finding in _findings(after).items()
        if key not in known and severity_at_least(finding["priority"], minimum)
    ]
    if not new:
        return 0
    manifest = row.manifest
    repository = manifest.repository
    tags = tuple(
        Tag.objects.filter(tag_active_q(timezone.now()), manifest=manifest)
        .order_by("name")
        .values_list("name", flat=True)
    )
    for finding in new[:EVENTS_PER_SCAN_MAX]:
        vulnerability_found_hooks_run(
            VulnerabilityFound(
                namespace_id=repository.namespace_id,
                namespace=repository.namespace.name,
                repository_id=repository.pk,
                repository=repository.name,
                manifest_digest=manifest.digest,
                tags=tags,
                vulnerability=finding,
            )
        )
    return len(new[:EVENTS_PER_SCAN_MAX])


@transaction.atomic
def _report_record(*, row_id: int, status: str, reason: str, features: list[dict], **fields: object) -> None:
    row = (
        ManifestSecurity.objects.select_for_update()
        .select_related("manifest__repository__namespace")
        .get(pk=row_id)
    )
    before = row.features
    row.status, row.reason, row.features = status, reason[:4000], features
    for key, value in fields.items():
        setattr(row, key, value)
    row.claimed_until = None
    row.scanned_at = timezone.now()
    row.save()
    if status == ManifestSecurity.Status.SCANNED:
        _events_record(row, before, features)


def manifest_scan(row: ManifestSecurity, run: WorkerRun) -> None:
    scanner = scanner_configured()
    generation = vulndata_generation()
    try:
        report = scanner.scan(_manifest_ref(row))
    except ScannerUnavailable as error:
        if row.attempts >= ATTEMPTS_MAX:
            _report_record(
                row_id=row.pk, status=ManifestSecurity.Status.FAILED, reason=str(error), features=[]
            )
            run.failed += 1
            return
        # Due again after a pause, not at once: whatever was away may take a while to return.
        ManifestSecurity.objects.filter(pk=row.pk).update(
            claimed_until=timezone.now() + timedelta(seconds=RETRY_SECONDS), reason=str(error)[:4000]
        )
        run.retried += 1
        return
    run.layers_indexed += report.layers_indexed
    run.layers_reused += report.layers_reused
    if report.failed:
        _report_record(
            row_id=row.pk, status=ManifestSecurity.Status.FAILED, reason=report.failed, features=[]
        )
        run.failed += 1
        return
    _report_record(
        row_id=row.pk,
        status=ManifestSecurity.Status.SCANNED,
        reason="",
        features=report.features,
        scanner=scanner.name,
        packages=report.packages,
        distribution=report.distribution,
        data_generation=generation,
    )
    run.scanned += 1


def _rematch(row: ManifestSecurity, generation: int) -> bool:
    features = scanner_configured().features_rematch(row.packages, row.distribution)
    if features is None:
        ManifestSecurity.objects.filter(pk=row.pk).update(data_generation=generation, claimed_until=None)
        return False
    _report_record(
        row_id=row.pk,
        status=ManifestSecurity.Status.SCANNED,
        reason="",
        features=features,
        data_generation=generation,
    )
    return True


def manifests_unqueued_queue(*, limit: int = BACKFILL_MAX) -> int:
    """Queues image manifests that have no scan yet: pushed before scanning was turned on, or
    before this app existed. One anti-join (the scan's manifest column is unique, so indexed)."""
    missing = list(
        Manifest.objects.filter(
            security__isnull=True,
            deleted__isnull=True,
            media_type__in=IMAGE_TYPES,
            config_media_type__in=IMAGE_CONFIG_TYPES,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    ManifestSecurity.objects.bulk_create(
        [ManifestSecurity(manifest_id=pk) for pk in missing], ignore_conflicts=True
    )
    return len(missing)


def security_worker_run(*, limit: int = RUN_MAX) -> WorkerRun:
    """Queues manifests not queued yet, scans up to ``limit`` queued ones, then matches again
    those scanned against older data (up to ``limit`` too)."""
    run = WorkerRun()
    if not settings.FEATURE_SECURITY_SCANNER:
        return run
    manifests_unqueued_queue()
    for _ in range(limit):
        row = _claim(Q(status=ManifestSecurity.Status.QUEUED))
        if row is None:
            break
        try:
            manifest_scan(row, run)
        except Exception:
            # A bug must not stop the queue: the row stays claimed and comes due again later.
            logger.exception("scanning manifest security row %s failed", row.pk)
            run.retried += 1
    generation = vulndata_generation()
    for _ in range(limit if generation else 0):
        row = _claim(
            Q(status=ManifestSecurity.Status.SCANNED, scanner="builtin", data_generation__lt=generation)
        )
        if row is None:
            break
        if _rematch(row, generation):
            run.rematched += 1
    return run
