"""Vulnerability data in OSV's format, imported from what an air-gapped site brings in (a
directory of records, a zip per ecosystem as OSV publishes them, or a tree of both) and exported
the same way, one ``<ecosystem>/all.zip`` per ecosystem."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from secscan.indexer.packages import pep503_name
from secscan.models import Advisory, AffectedPackage, VulnDataImport
from secscan.severity import record_severity, severity_normalize

RECORD_MAX = 8 << 20
LINK_MAX = 1024


class VulnDataInvalid(Exception):
    pass


@dataclass
class ImportSummary:
    files: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    generation: int = 0

    def line(self) -> str:
        return (
            f"{self.created} advisories new, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.skipped} skipped, from {self.files} files (generation {self.generation})"
        )


def _sources(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(
            found for found in path.rglob("*") if found.suffix in (".json", ".zip") and found.is_file()
        )
    raise VulnDataInvalid(f"{path}: no such file or directory")


def records_read(path: Path) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of every OSV record under ``path``."""
    for source in _sources(path):
        if source.suffix == ".zip":
            try:
                with zipfile.ZipFile(source) as archive:
                    for info in archive.infolist():
                        if info.filename.endswith(".json") and info.file_size <= RECORD_MAX:
                            with archive.open(info) as member:
                                yield f"{source}:{info.filename}", member.read(RECORD_MAX + 1)
            except zipfile.BadZipFile as error:
                raise VulnDataInvalid(f"{source}: {error}") from None
        else:
            yield str(source), source.read_bytes()[: RECORD_MAX + 1]


def records_count(path: Path) -> int:
    total = 0
    for source in _sources(path):
        if source.suffix == ".zip":
            try:
                with zipfile.ZipFile(source) as archive:
                    total += sum(1 for info in archive.infolist() if info.filename.endswith(".json"))
            except zipfile.BadZipFile as error:
                raise VulnDataInvalid(f"{source}: {error}") from None
        else:
            total += 1
    return total


def _link(record: dict) -> str:
    references = [ref for ref in record.get("references") or [] if isinstance(ref, dict)]
    preferred = [ref for ref in references if ref.get("type") == "ADVISORY"] or references
    urls = [ref["url"] for ref in preferred if isinstance(ref.get("url"), str)]
    return urls[0][:LINK_MAX] if urls else ""


def _affected_rows(record: dict) -> list[AffectedPackage]:
    rows = []
    for affected in record.get("affected") or []:
        package = affected.get("package") if isinstance(affected, dict) else None
        if not isinstance(package, dict):
            continue
        ecosystem, name = package.get("ecosystem"), package.get("name")
        if not isinstance(ecosystem, str) or not isinstance(name, str) or not ecosystem or not name:
            continue
        base = ecosystem.split(":", 1)[0]
        specific = affected.get("ecosystem_specific")
        database = affected.get("database_specific")
        severity = ""
        for extra in (specific, database):
            if isinstance(extra, dict) and not severity:
                severity = severity_normalize(extra.get("severity") or extra.get("urgency"))
        rows.append(
            AffectedPackage(
                ecosystem=ecosystem[:128],
                ecosystem_base=base[:64],
                name=(pep503_name(name) if base == "PyPI" else name)[:255],
                ranges=[r for r in affected.get("ranges") or [] if isinstance(r, dict)],
                versions=[v for v in affected.get("versions") or [] if isinstance(v, str)],
                severity=severity,
            )
        )
    return rows


def _record_parse(data: bytes) -> dict | None:
    if len(data) > RECORD_MAX:
        return None
    try:
        record = json.loads(data)
    except (ValueError, RecursionError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("id"), str) or not record["id"]:
        return None
    return record


def _record_store(record: dict, summary: ImportSummary) -> None:
    existing = Advisory.objects.filter(osv_id=record["id"][:128]).first()
    if existing is not None and existing.record == record:
        summary.unchanged += 1
        return
    fields = {
        "modified": str(record.get("modified") or "")[:64],
        "summary": str(record.get("summary") or record.get("details") or "")[:4000],
        "severity": record_severity(record),
        "link": _link(record),
        "record": record,
    }
    if existing is None:
        advisory = Advisory.objects.create(osv_id=record["id"][:128], **fields)
        summary.created += 1
    else:
        for key, value in fields.items():
            setattr(existing, key, value)
        existing.save()
        existing.affected.all().delete()
        advisory = existing
        summary.updated += 1
    rows = _affected_rows(record)
    for row in rows:
        row.advisory = advisory
    AffectedPackage.objects.bulk_create(rows)


def vulndata_import(*, path: Path, progress: Callable[[int], object] | None = None) -> ImportSummary:
    """Imports every OSV record under ``path`` in one transaction, so scans never match against
    half an import; the new generation makes the worker match every scanned manifest again."""
    summary = ImportSummary()
    seen_files: set[str] = set()
    with transaction.atomic():
        for name, data in records_read(path):
            seen_files.add(name.split(":", 1)[0])
            record = _record_parse(data)
            if record is None:
                summary.skipped += 1
            else:
                _record_store(record, summary)
            if progress is not None:
                progress(1)
        summary.files = len(seen_files)
        batch = VulnDataImport.objects.create(
            source=str(path)[:1024],
            files=summary.files,
            created=summary.created,
            updated=summary.updated,
            unchanged=summary.unchanged,
            skipped=summary.skipped,
        )
        summary.generation = batch.pk
    return summary


def vulndata_generation() -> int:
    return VulnDataImport.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def vulndata_export(*, path: Path, progress: Callable[[int], object] | None = None) -> dict[str, int]:
    """Writes ``<path>/<ecosystem>/all.zip`` per ecosystem (OSV's layout); returns the counts."""
    path.mkdir(parents=True, exist_ok=True)
    archives: dict[str, zipfile.ZipFile] = {}
    counts: dict[str, int] = {}
    try:
        for advisory in Advisory.objects.order_by("osv_id").iterator(chunk_size=500):
            bases = sorted({row.ecosystem_base for row in advisory.affected.all()}) or ["unknown"]
            for base in bases:
                if base not in archives:
                    directory = path / base.replace("/", "_")
                    directory.mkdir(exist_ok=True)
                    archives[base] = zipfile.ZipFile(directory / "all.zip", "w", zipfile.ZIP_DEFLATED)
                archives[base].writestr(f"{advisory.osv_id}.json", json.dumps(advisory.record, indent=1))
                counts[base] = counts.get(base, 0) + 1
            if progress is not None:
                progress(1)
    finally:
        for archive in archives.values():
            archive.close()
    return counts
