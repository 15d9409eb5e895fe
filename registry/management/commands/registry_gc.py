"""Runs garbage collection now, in this process: `registry_gc [--dry-run] [--repository ns/name]`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.errors import NameInvalid, NameUnknown
from registry.selectors.repositories import repository_get
from registry.services.gc import REPORTED_COUNTS, gc_run


class Command(BaseCommand):
    help = "Collect garbage: tags past the time machine, unreachable manifests, unreferenced blobs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would be deleted, delete nothing"
        )
        parser.add_argument("--repository", metavar="NAMESPACE/NAME", help="only this repository")

    def handle(self, *args: object, **options: object) -> None:
        repository = None
        if options["repository"]:
            try:
                repository = repository_get(full_name=str(options["repository"]))
            except (NameUnknown, NameInvalid):
                raise CommandError(f"no repository {options['repository']!r}") from None
        run = gc_run(dry_run=bool(options["dry_run"]), repository=repository)
        for line in run.would_delete:
            self.stdout.write(f"would delete {line}")
        counts = ", ".join(f"{name}={getattr(run, name)}" for name in REPORTED_COUNTS)
        self.stdout.write(f"{'dry run' if run.dry_run else 'run'} {run.pk}: {counts}")
