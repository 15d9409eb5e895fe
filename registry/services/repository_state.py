"""A repository's state: NORMAL takes pushes, READ_ONLY and MIRROR refuse them (pulls go on)."""

from __future__ import annotations

from django.db import transaction

from orgs.audit import audit_log_write
from orgs.errors import InvalidInput
from orgs.models import User
from orgs.selectors import is_superuser
from orgs.services.authorization import require_repository_admin
from registry.models import Repository


@transaction.atomic
def repository_set_state(*, repository: Repository, state: str, actor: User | None) -> Repository:
    """Needs admin of the repository, or a superuser (the console); ``actor`` None: the system."""
    if not is_superuser(actor):
        require_repository_admin(actor=actor, repository=repository)
    if state not in Repository.State.values:
        raise InvalidInput(f"{state!r}: a repository state is one of {', '.join(Repository.State.values)}")
    previous = repository.state
    repository.state = state
    repository.save(update_fields=["state"])
    audit_log_write(
        kind="change_repo_state",
        performer=actor,
        repository=repository,
        metadata={"repo": repository.name, "state_changed": state, "previous_state": previous},
    )
    return repository
