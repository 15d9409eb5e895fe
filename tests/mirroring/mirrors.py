"""Mirror configurations for the worker, service and API tests (hm2's side of tests/mirroring)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from mirroring.models import RepositoryMirror
from mirroring.services import mirror_create
from orgs.models import User
from registry.models import Repository
from tests.api_fixtures import repository_make


def mirror_make(owner, actor: User, name: str, *, robot: User, **config: object) -> RepositoryMirror:
    """A mirror of acme's ``name`` due a minute ago, unless ``config`` says otherwise."""
    repository: Repository = repository_make(owner, name)
    values: dict = {
        "external_reference": f"upstream.example.com:5000/library/{name}",
        "sync_interval": 3600,
        "sync_start_date": timezone.now() - timedelta(minutes=1),
        "tag_globs": ["latest", "v1.*"],
        **config,
    }
    return mirror_create(actor=actor, repository=repository, robot_username=robot.username, **values)
