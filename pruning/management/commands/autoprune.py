"""Runs auto-pruning now: every due namespace, or one namespace whether due or not."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orgs.models import Namespace
from pruning.services import PruneResult, namespace_prune
from pruning.worker import autoprune_run


class Command(BaseCommand):
    help = (
        "Apply the auto-prune policies now: the namespaces due, as the periodic worker does, or "
        "--namespace N at once; --dry-run lists what would be pruned and deletes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="list the tags, delete nothing")
        parser.add_argument("--namespace", help="prune this namespace only, due or not")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["namespace"] or options["dry_run"]:
            self._direct(options["namespace"], dry_run=options["dry_run"])
            return
        runs = autoprune_run()
        for run in runs:
            if run.result is not None:
                self._print(run.result)
            self.stdout.write(f"{run.namespace}: {run.status}")
        self.stdout.write(f"namespaces: {len(runs)}")

    def _direct(self, name: str | None, *, dry_run: bool) -> None:
        namespaces = Namespace.objects.filter(autoprune_task__isnull=False).order_by("name")
        if name:
            namespaces = Namespace.objects.filter(name=name)
            if not namespaces.exists():
                raise CommandError(f"no namespace named {name!r}")
        total = 0
        for namespace in namespaces:
            result = namespace_prune(namespace=namespace, dry_run=dry_run)
            self._print(result)
            total += len(result.tags)
        self.stdout.write(f"tags {'to prune' if dry_run else 'pruned'}: {total}")

    def _print(self, result: PruneResult) -> None:
        verb = "would prune" if result.dry_run else "pruned"
        for tag in result.tags:
            self.stdout.write(
                f"{verb} {result.namespace}/{tag.repository}:{tag.tag} (policy {tag.policy_uuid})"
            )
