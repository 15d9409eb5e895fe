"""Vulnerability data for air-gapped sites: ``vulndata import PATH`` reads OSV records (a
directory, a zip per ecosystem as OSV publishes them, or a tree of both) and ``vulndata export
PATH`` writes what is stored as ``PATH/<ecosystem>/all.zip``, for the next site's import."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from secscan.models import Advisory
from secscan.vulndata import VulnDataInvalid, records_count, vulndata_export, vulndata_import


class Command(BaseCommand):
    help = "Import OSV vulnerability data from PATH, or export the stored data to PATH."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["import", "export"])
        parser.add_argument("path", type=Path)
        parser.add_argument("--no-progress", action="store_true", help="no progress bar (logs, CI)")

    def handle(
        self, *args: object, action: str, path: Path, no_progress: bool = False, **options: object
    ) -> None:
        try:
            if action == "import":
                self._import(path, no_progress)
            else:
                self._export(path, no_progress)
        except (VulnDataInvalid, OSError) as error:
            raise CommandError(str(error)) from None

    def _import(self, path: Path, no_progress: bool) -> None:
        total = records_count(path)
        with tqdm(total=total, unit="record", desc="import", disable=no_progress, file=sys.stderr) as bar:
            summary = vulndata_import(path=path, progress=bar.update)
        self.stdout.write(f"Imported {path}: {summary.line()}")

    def _export(self, path: Path, no_progress: bool) -> None:
        total = Advisory.objects.count()
        with tqdm(total=total, unit="record", desc="export", disable=no_progress, file=sys.stderr) as bar:
            counts = vulndata_export(path=path, progress=bar.update)
        per_ecosystem = ", ".join(f"{base} {count}" for base, count in sorted(counts.items())) or "none"
        self.stdout.write(f"Exported {total} advisories to {path} ({per_ecosystem})")
