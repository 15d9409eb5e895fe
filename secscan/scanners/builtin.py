"""The built-in scanner: layers indexed here (each once, by digest), matched against the
imported OSV data."""

from __future__ import annotations

import dataclasses
import logging

from django.db import IntegrityError, transaction

from registry.storage import storage_for
from registry.storage.base import PathNotFound
from registry.storage.paths import blob_path
from secscan.indexer.layer import INDEXER_VERSION, layer_index
from secscan.indexer.stack import Installed, layers_stack
from secscan.indexer.stream import LayerInvalid
from secscan.matcher import features_match
from secscan.models import LayerIndex
from secscan.scanners.base import LayerRef, ManifestRef, Scanner, ScannerUnavailable, ScanReport

logger = logging.getLogger(__name__)


def layer_result(layer: LayerRef) -> tuple[LayerIndex, bool]:
    """The layer's stored result, indexing it first when no current one exists; (row, reused)."""
    found = LayerIndex.objects.filter(digest=layer.digest, indexer_version=INDEXER_VERSION).first()
    if found is not None:
        return found, True
    try:
        stream = storage_for(layer.location).open(blob_path(layer.digest))
    except (PathNotFound, OSError) as error:
        raise ScannerUnavailable(f"layer {layer.digest} unreadable: {error}") from None
    try:
        contents, ok, reason = layer_index(stream), True, ""
    except LayerInvalid as error:
        contents, ok, reason = {}, False, str(error)
    finally:
        stream.close()
    fields = {
        "indexer_version": INDEXER_VERSION,
        "ok": ok,
        "reason": reason[:2000],
        "contents": contents,
        "bytes_read": contents.get("bytes", 0),
    }
    try:
        with transaction.atomic():
            row, _ = LayerIndex.objects.update_or_create(digest=layer.digest, defaults=fields)
    except IntegrityError:
        # Another worker stored the same layer's result at the same moment: the bytes are one.
        row = LayerIndex.objects.get(digest=layer.digest)
    return row, False


class BuiltinScanner(Scanner):
    name = "builtin"

    def scan(self, manifest: ManifestRef) -> ScanReport:
        report = ScanReport()
        stacked: list[tuple[str, dict]] = []
        for layer in manifest.layers:
            row, reused = layer_result(layer)
            if reused:
                report.layers_reused += 1
            else:
                report.layers_indexed += 1
            if not row.ok:
                report.failed = f"layer {layer.digest}: {row.reason}"
                return report
            stacked.append((layer.digest, row.contents))
        installed, distribution = layers_stack(stacked)
        report.packages = [dataclasses.asdict(package) for package in installed]
        report.distribution = distribution
        report.features = features_match(installed, distribution)
        return report

    def features_rematch(self, packages: list[dict], distribution: dict) -> list[dict] | None:
        return features_match([Installed(**package) for package in packages], distribution)
