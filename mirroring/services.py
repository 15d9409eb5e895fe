"""Writes of mirror configurations by repository admins: create, change, rules, sync-now and
sync-cancel (mirroring.worker runs the syncs).

Setting a mirror puts the repository in MIRROR state with its robot, and grants that robot
write (as Quay does), in the same transaction. Every change is audited as Quay's
repo_mirror_config_changed with what changed and to what; a password shows as ********.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from mirroring.errors import MirrorExists, MirrorInvalid, MirrorStateConflict
from mirroring.models import RepositoryMirror
from mirroring.validation import (
    external_reference_clean,
    platforms_clean,
    proxy_clean,
    sync_interval_clean,
    tag_globs_clean,
)
from orgs.audit import audit_log_write
from orgs.models import User
from orgs.secrets import secret_encrypt
from orgs.selectors.identity import robot_users_of
from registry.models import Repository
from registry.selectors.roles import repository_role
from registry.services.authorization import require_repository_admin
from registry.services.permissions import permission_set
from registry.services.repository_states import repository_set_mirror_robot

Status = RepositoryMirror.SyncStatus
PASSWORD_SHOWN = "********"
# The plain fields a change may carry, each checked by its cleaner.
_CLEANERS: dict[str, Any] = {
    "external_reference": external_reference_clean,
    "sync_interval": sync_interval_clean,
    "platforms": platforms_clean,
    "proxy": proxy_clean,
    "verify_tls": bool,
    "unsigned_images": bool,
    "rollback": bool,
    "is_enabled": bool,
}


def _audit(actor: User | None, mirror: RepositoryMirror, changed: str, to: object) -> None:
    repository = mirror.repository
    audit_log_write(
        kind="repo_mirror_config_changed",
        performer=actor,
        repository=repository,
        metadata={
            "namespace": repository.namespace.name,
            "repo": repository.name,
            "changed": changed,
            "to": to if not isinstance(to, datetime) else to.isoformat(),
        },
    )


def _robot_resolve(*, repository: Repository, robot_username: str) -> User:
    """Quay's robot name, ``namespace+short``, of a robot of the repository's own namespace."""
    namespace, _, short_name = (robot_username or "").partition("+")
    if namespace != repository.namespace.name or not short_name:
        raise MirrorInvalid(f"{robot_username!r} is not a robot of the namespace {repository.namespace.name}")
    robot = robot_users_of(namespace_id=repository.namespace_id).filter(username=robot_username).first()
    if robot is None:
        raise MirrorInvalid(f"no robot {robot_username}")
    return robot


def _robot_install(*, mirror: RepositoryMirror, robot: User, actor: User | None) -> None:
    """MIRROR state with this robot, and write for it unless it has write already."""
    repository = mirror.repository
    if repository_role(user=robot, repository=repository) not in ("write", "admin"):
        permission_set(repository=repository, role="write", user=robot, actor=actor)
    repository_set_mirror_robot(repository=repository, robot=robot, actor=actor)
    mirror.robot = robot


def _credentials_apply(mirror: RepositoryMirror, changes: dict) -> list[tuple[str, object]]:
    """Quay's rules: a password needs a username in the same change; no username, no password."""
    if "username" not in changes:
        if "password" in changes:
            raise MirrorInvalid("Unable to set a new password without also specifying a username.")
        return []
    username, password = changes["username"], changes.get("password")
    if not username and password:
        raise MirrorInvalid("Unable to delete username while setting a password.")
    mirror.username = username or ""
    audited: list[tuple[str, object]] = [("external_registry_username", username)]
    if "password" in changes or not username:
        mirror.password = secret_encrypt(password) if password else ""
        audited.append(("external_registry_password", PASSWORD_SHOWN if password else None))
    return audited


def _changes_apply(mirror: RepositoryMirror, changes: dict) -> list[tuple[str, object]]:
    """Sets the cleaned values on the row (not saved); what changed, under Quay's names."""
    audited = _credentials_apply(mirror, changes)
    for name, clean in _CLEANERS.items():
        if name not in changes:
            continue
        value = clean(changes[name])
        if name == "proxy":
            # Quay's per-key change: a key given null or empty is cleared, the others kept.
            value = {key: given for key, given in {**mirror.proxy, **value}.items() if given}
        setattr(mirror, name, value)
        audited.append((name, value))
    if "tag_globs" in changes:
        mirror.tag_glob_csv = tag_globs_clean(changes["tag_globs"])
        audited.append(("mirror_rule", changes["tag_globs"]))
    if "sync_start_date" in changes:
        mirror.sync_start_date = changes["sync_start_date"]
        # The first run waits for the start date; a running sync keeps its claim's deadline.
        if mirror.pk is None or not mirror.sync_running(timezone.now()):
            mirror.sync_expiration_date = mirror.sync_start_date
        audited.append(("sync_start_date", mirror.sync_start_date))
    return audited


@transaction.atomic
def mirror_create(
    *, actor: User | None, repository: Repository, robot_username: str, **config: Any
) -> RepositoryMirror:
    """``config``: external_reference, sync_interval, sync_start_date and tag_globs (required),
    username, password, verify_tls, unsigned_images, proxy, platforms, rollback, is_enabled."""
    require_repository_admin(actor=actor, repository=repository)
    Repository.objects.select_for_update().filter(pk=repository.pk).first()
    if RepositoryMirror.objects.filter(repository=repository).exists():
        raise MirrorExists(f"Mirror configuration already exits for repository {repository}")
    missing = {"external_reference", "sync_interval", "sync_start_date", "tag_globs"} - set(config)
    if missing:
        raise MirrorInvalid(f"missing: {', '.join(sorted(missing))}")
    mirror = RepositoryMirror(repository=repository, proxy={})
    _changes_apply(mirror, config)
    _robot_install(
        mirror=mirror, robot=_robot_resolve(repository=repository, robot_username=robot_username), actor=actor
    )
    mirror.save()
    _audit(actor, mirror, "external_reference", mirror.external_reference)
    return mirror


def _mirror_lock(mirror: RepositoryMirror) -> RepositoryMirror:
    return (
        RepositoryMirror.objects.select_for_update().select_related("repository__namespace").get(pk=mirror.pk)
    )


@transaction.atomic
def mirror_update(*, actor: User | None, mirror: RepositoryMirror, **changes: Any) -> RepositoryMirror:
    """Changes only the fields given (Quay's PUT); the same names as mirror_create's."""
    require_repository_admin(actor=actor, repository=mirror.repository)
    locked = _mirror_lock(mirror)
    audited = _changes_apply(locked, changes)
    if "robot_username" in changes:
        robot = _robot_resolve(repository=locked.repository, robot_username=changes["robot_username"])
        _robot_install(mirror=locked, robot=robot, actor=actor)
        audited.append(("robot_username", robot.username))
    locked.save()
    for changed, to in audited:
        _audit(actor, locked, changed, to)
    return locked


def mirror_rules_set(
    *, actor: User | None, mirror: RepositoryMirror, tag_globs: list[str]
) -> RepositoryMirror:
    return mirror_update(actor=actor, mirror=mirror, tag_globs=tag_globs)


@transaction.atomic
def mirror_sync_now(*, actor: User | None, mirror: RepositoryMirror) -> RepositoryMirror:
    """Due now: the next free worker takes it. Refused while a sync runs."""
    require_repository_admin(actor=actor, repository=mirror.repository)
    locked = _mirror_lock(mirror)
    # A cancelled sync still running holds its claim too: due now, a second worker would take it.
    if locked.sync_running(timezone.now()):
        raise MirrorStateConflict("the mirror is syncing now")
    if not locked.is_enabled:
        raise MirrorInvalid("the mirror is disabled: enable it first")
    locked.sync_status = Status.SYNC_NOW
    locked.sync_expiration_date = timezone.now()
    locked.save(update_fields=["sync_status", "sync_expiration_date"])
    _audit(actor, locked, "sync_status", Status.SYNC_NOW)
    return locked


@transaction.atomic
def mirror_sync_cancel(*, actor: User | None, mirror: RepositoryMirror) -> RepositoryMirror:
    """A running sync stops at its next tag boundary (the worker sees SYNC_CANCEL); a sync-now
    not yet taken is dropped and the mirror waits one interval. Refused when neither."""
    require_repository_admin(actor=actor, repository=mirror.repository)
    locked = _mirror_lock(mirror)
    if locked.sync_status not in (Status.SYNCING, Status.SYNC_NOW):
        raise MirrorStateConflict("the mirror is not syncing")
    fields = ["sync_status"]
    if locked.sync_status == Status.SYNC_NOW:
        locked.sync_expiration_date = timezone.now() + timedelta(seconds=locked.sync_interval)
        fields.append("sync_expiration_date")
    locked.sync_status = Status.SYNC_CANCEL
    locked.save(update_fields=fields)
    _audit(actor, locked, "sync_status", Status.SYNC_CANCEL)
    return locked
