"""Who may write to a repository now: the registry-wide read-only mode, and the repository's
state (NORMAL takes writes, READ_ONLY none, MIRROR only from its mirror robot).

The registry token grants no push where these refuse it, and the /v2/ writes and the API's
tag and label changes check again, as a token outlives a state change.
"""

from __future__ import annotations

from django.db import transaction

from orgs.audit import audit_log_write
from orgs.errors import InvalidInput, WritesSuspended
from orgs.models import User
from orgs.selectors.identity import is_superuser, robot_users_of
from quaysite.readonly import registry_read_only
from registry.errors import Denied
from registry.models import Repository
from registry.services.authorization import require_repository_admin

READ_ACTIONS = frozenset({"pull"})


def repository_takes_pushes_from(*, repository: Repository, user_id: int | None) -> bool:
    if registry_read_only():
        return False
    if repository.state == Repository.State.MIRROR:
        return user_id is not None and repository.mirror_robot_id == user_id
    return repository.state == Repository.State.NORMAL


def repository_push_check(*, repository: Repository, user_id: int | None) -> None:
    """For the /v2/ writes: an OCI DENIED error naming why."""
    if repository_takes_pushes_from(repository=repository, user_id=user_id):
        return
    if repository.state == Repository.State.MIRROR:
        raise Denied(message="this repository is a mirror: only its mirror robot may push")
    raise Denied(message=f"this repository is {repository.state}: it takes no pushes")


def repository_require_normal(*, repository: Repository) -> None:
    """For the API's tag and label changes: Quay refuses them with 503 outside NORMAL."""
    if repository.state != Repository.State.NORMAL:
        raise WritesSuspended(f"Repository is in read only or mirror mode: {repository.state}")


@transaction.atomic
def repository_set_state(*, repository: Repository, state: str, actor: User | None) -> Repository:
    """Needs admin of the repository, or a superuser (the superuser console's action)."""
    if not is_superuser(actor):
        require_repository_admin(actor=actor, repository=repository)
    if state not in Repository.State.values:
        raise InvalidInput(f"{state} is not a valid Repository state.")
    repository.state = state
    repository.save(update_fields=["state"])
    audit_log_write(
        kind="change_repo_state",
        performer=actor,
        repository=repository,
        metadata={"repo": repository.name, "namespace": repository.namespace.name, "state_changed": state},
    )
    return repository


@transaction.atomic
def repository_set_mirror_robot(*, repository: Repository, robot: User, actor: User | None) -> Repository:
    """Puts the repository in MIRROR state with ``robot``, a robot of its own namespace, as the
    one account that pushes. Needs admin of the repository (the mirroring feature's config)."""
    require_repository_admin(actor=actor, repository=repository)
    if not robot_users_of(namespace_id=repository.namespace_id).filter(pk=robot.pk).exists():
        raise InvalidInput(f"{robot} is not a robot of the namespace {repository.namespace.name}")
    changed = repository.state != Repository.State.MIRROR
    repository.state = Repository.State.MIRROR
    repository.mirror_robot = robot
    repository.save(update_fields=["state", "mirror_robot"])
    if changed:
        audit_log_write(
            kind="change_repo_state",
            performer=actor,
            repository=repository,
            metadata={
                "repo": repository.name,
                "namespace": repository.namespace.name,
                "state_changed": Repository.State.MIRROR,
            },
        )
    return repository
