"""Vulnerability data for air-gapped sites: ``vulndata import PATH`` reads OSV records (a
directory, a zip per ecosystem as OSV publishes them, or a tree of both) and ``vulndata export
PATH`` writes what is stored as ``PATH/<ecosystem>/all.zip``, for the next site's import."""

from __future__ import annotations

from argparse import ArgumentParser
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from secscan.models import Advisory
from secscan.vulndata import VulnDataInvalid, records_count, vulndata_export, vulndata_import


@contextmanager
def record_progress(description: str, total: int, *, quiet: bool) -> Iterator[Callable[[int], None]]:
    """A bar of records on stderr, shown only on a terminal (and never with --no-progress)."""
    console = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, disable=quiet or not console.is_terminal) as progress:
        task = progress.add_task(description, total=total)
        yield lambda advance: progress.advance(task, advance)


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
        with record_progress("import", total, quiet=no_progress) as advance:
            summary = vulndata_import(path=path, progress=advance)
        self.stdout.write(f"Imported {path}: {summary.line()}")

    def _export(self, path: Path, no_progress: bool) -> None:
        total = Advisory.objects.count()
        with record_progress("export", total, quiet=no_progress) as advance:
            counts = vulndata_export(path=path, progress=advance)
        per_ecosystem = ", ".join(f"{base} {count}" for base, count in sorted(counts.items())) or "none"
        self.stdout.write(f"Exported {total} advisories to {path} ({per_ecosystem})")
