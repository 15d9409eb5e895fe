"""`manage.py export --namespace N | --repository N/R ... OUT.tar`: the live tags of those
repositories, with every manifest and blob they reach, as one OCI image layout tarball for an
air-gapped registry (`manage.py import` there). OUT may be `-` for stdout."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from registry.transfer.export import layout_export
from registry.transfer.progress import byte_progress
from registry.transfer.selectors import export_plan, repositories_for_export


class Command(BaseCommand):
    help = "Write repositories as an OCI image layout tarball for `manage.py import` elsewhere."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--namespace", help="every repository of this namespace")
        parser.add_argument("--repository", action="append", default=[], help="namespace/name (repeatable)")
        parser.add_argument("--progress", action="store_true", help="show the bar even without a terminal")
        parser.add_argument("out", help="the tarball to write, or - for stdout")

    def handle(self, *args: object, **options: Any) -> None:
        if not options["namespace"] and not options["repository"]:
            raise CommandError("name what to export: --namespace N and/or --repository N/R")
        try:
            repositories = repositories_for_export(
                namespace=options["namespace"], names=options["repository"]
            )
            plan = export_plan(repositories=repositories)
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        if not plan.refs:
            raise CommandError("nothing to export: no live tags in those repositories")
        to_stdout = options["out"] == "-"
        out = sys.stdout.buffer if to_stdout else Path(options["out"]).open("wb")
        try:
            with byte_progress("export", plan.total_bytes, force=options["progress"]) as progress:
                layout_export(plan=plan, out=out, progress=progress)
        except BaseException:
            if not to_stdout:
                # A partial tarball must not pass for an export.
                out.close()
                Path(options["out"]).unlink(missing_ok=True)
            raise
        if not to_stdout:
            out.close()
        sys.stderr.write(
            f"exported {len(repositories)} repositories, {len(plan.refs)} tags, "
            f"{len(plan.manifests)} manifests, {len(plan.blobs)} blobs ({plan.total_bytes} bytes)\n"
        )
