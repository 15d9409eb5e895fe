"""`manage.py import IN.tar`: loads a tarball `manage.py export` wrote, after checking all of it
(registry.transfer.imports): a tarball with one wrong byte is refused, nothing imported."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from registry.transfer.imports import layout_import, layout_verify
from registry.transfer.layout import LayoutInvalid
from registry.transfer.progress import byte_progress


class Command(BaseCommand):
    help = "Load an OCI image layout tarball written by `manage.py export`, verifying every digest."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--progress", action="store_true", help="show the bar even without a terminal")
        parser.add_argument("tarball", type=Path)

    def handle(self, *args: object, **options: Any) -> None:
        path: Path = options["tarball"]
        if not path.is_file():
            raise CommandError(f"{path}: not a file")
        total = path.stat().st_size
        try:
            with byte_progress("verify", total, force=options["progress"]) as progress:
                plan = layout_verify(path=path, progress=progress)
        except LayoutInvalid as exc:
            raise CommandError(f"refused, nothing imported: {exc}") from None
        with byte_progress("import", plan.total_bytes, force=options["progress"]) as progress:
            report = layout_import(path=path, plan=plan, progress=progress)
        sys.stderr.write(
            f"imported {report.repositories} repositories, {report.tags} tags, {report.manifests} manifests; "
            f"{report.blobs_stored} blobs stored, {report.blobs_skipped} already here\n"
        )
