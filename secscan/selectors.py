"""Reads of scan results for the API and the web pages."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from registry.models import Manifest
from secscan.models import ManifestSecurity
from secscan.severity import SEVERITIES


@dataclass(frozen=True)
class SecuritySummary:
    status: str
    reason: str = ""
    # Vulnerable packages per severity, most severe first; only severities that occur.
    counts: list[tuple[str, int]] = field(default_factory=list)
    packages: int = 0

    @property
    def worst(self) -> str:
        return self.counts[0][0] if self.counts else ""


def _status_of(row: ManifestSecurity | None) -> str:
    return row.status if row is not None else ManifestSecurity.Status.QUEUED


def manifest_security(*, manifest: Manifest) -> ManifestSecurity | None:
    return ManifestSecurity.objects.filter(manifest=manifest).first()


def security_response(*, manifest: Manifest, vulnerabilities: bool) -> dict:
    """Quay's ``/security`` body: status, and for a scanned manifest its Layer's Features."""
    row = manifest_security(manifest=manifest)
    status = _status_of(row)
    if row is None or status != ManifestSecurity.Status.SCANNED:
        return {"status": status, "data": None}
    features = row.features
    if not vulnerabilities:
        features = [{key: value for key, value in f.items() if key != "Vulnerabilities"} for f in features]
    return {
        "status": status,
        "data": {
            "Layer": {
                "Name": manifest.digest,
                "ParentName": "",
                "NamespaceName": "",
                "IndexedByVersion": 4,
                "Features": features,
            }
        },
    }


def _summary(row: ManifestSecurity | None) -> SecuritySummary:
    status = _status_of(row)
    if row is None or status != ManifestSecurity.Status.SCANNED:
        return SecuritySummary(status=status, reason=row.reason if row is not None else "")
    worst: Counter[str] = Counter()
    for feature in row.features:
        severities = [v.get("Severity", "Unknown") for v in feature.get("Vulnerabilities", [])]
        if severities:
            worst[min(severities, key=lambda s: SEVERITIES.index(s) if s in SEVERITIES else 99)] += 1
    counts = [(severity, worst[severity]) for severity in SEVERITIES if worst[severity]]
    return SecuritySummary(status=status, counts=counts, packages=len(row.features))


def security_summaries(*, manifest_ids: list[int]) -> dict[int, SecuritySummary]:
    """Each manifest's summary by id (queued when it has no scan yet). One query."""
    rows = {row.manifest_id: row for row in ManifestSecurity.objects.filter(manifest_id__in=manifest_ids)}
    return {manifest_id: _summary(rows.get(manifest_id)) for manifest_id in manifest_ids}


def security_summary(*, manifest: Manifest) -> SecuritySummary:
    return _summary(manifest_security(manifest=manifest))
