"""Runs the mirrors due now in this process, or one repository's mirror at once."""

from __future__ import annotations

from argparse import ArgumentParser

from django.core.management.base import BaseCommand, CommandError

from mirroring.errors import MirrorStateConflict
from mirroring.models import RepositoryMirror
from mirroring.services import mirror_sync_now
from mirroring.worker import mirrors_run
from orgs.errors import InvalidInput
from registry.selectors.repositories import repository_get


class Command(BaseCommand):
    help = "Sync the mirrors due now, or with --repository ns/name that repository's mirror now."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--repository", help="namespace/name: sync this mirror now, due or not")

    def handle(self, *args: object, repository: str | None = None, **options: object) -> None:
        repository_id = None
        if repository:
            repository_id = self._make_due(repository)
        runs = mirrors_run(repository_id=repository_id)
        for mirror in runs:
            self.stdout.write(
                f"{mirror.repository}: {mirror.sync_status}, {mirror.tags_synced} tags, "
                f"{mirror.bytes_copied} bytes copied, {mirror.bytes_skipped} skipped"
                + (f": {mirror.failed_reason}" if mirror.failed_reason else "")
            )
        if repository and not runs:
            raise CommandError(f"{repository}: its mirror is disabled or a worker is syncing it")

    def _make_due(self, full_name: str) -> int:
        found = repository_get(full_name=full_name)
        mirror = RepositoryMirror.objects.filter(repository=found).first()
        if mirror is None:
            raise CommandError(f"{full_name} has no mirror configuration")
        try:
            mirror_sync_now(actor=None, mirror=mirror)
        except (MirrorStateConflict, InvalidInput) as error:
            raise CommandError(f"{full_name}: {error}") from None
        return found.pk
