"""Two local storage locations, east and west, for the placement and replication tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from registry.models import BlobReplication
from registry.storage import storage_for
from registry.storage.paths import blob_path


class Locations:
    def __init__(self, root: Path) -> None:
        self.root = root

    def directory(self, location: str) -> Path:
        return self.root / location

    def read(self, location: str, digest: str) -> bytes | None:
        path = self.directory(location) / blob_path(digest)
        return path.read_bytes() if path.is_file() else None

    def block(self, location: str) -> None:
        """Takes the location down: its objects gone, a file where its directory should be."""
        shutil.rmtree(self.directory(location))
        self.directory(location).write_bytes(b"not a directory")

    def unblock(self, location: str) -> None:
        self.directory(location).unlink()
        self.directory(location).mkdir()


@pytest.fixture
def locations(settings, tmp_path) -> Iterator[Locations]:
    """This instance prefers east; every blob must reach east and west."""
    root = tmp_path / "locations"
    for name in ("east", "west"):
        (root / name).mkdir(parents=True)
    settings.STORAGE_CONFIG = {
        name: ["LocalStorage", {"storage_path": str(root / name)}] for name in ("east", "west")
    }
    settings.STORAGE_PREFERENCE = ["east", "west"]
    settings.STORAGE_DEFAULT_LOCATIONS = ["east", "west"]
    settings.STORAGE_REPLICATION = True
    settings.REPLICATION_RETRY_SECONDS = 10
    storage_for.cache_clear()
    yield Locations(root)
    storage_for.cache_clear()


def make_due() -> None:
    """As if the retry delay or a dead worker's lease had passed."""
    BlobReplication.objects.update(next_attempt=timezone.now() - timedelta(seconds=1))
