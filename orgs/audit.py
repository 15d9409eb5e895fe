"""The audit log's writes: one row per mutating action, batched rows for registry traffic.

A mutating action calls ``audit_log_write()`` inside its own transaction, so the action and its
record commit or roll back together: an action that cannot be recorded does not happen.

Pulls and pushes come too often for an INSERT each. The registry calls ``audit_log_registry()``,
which only appends to this process's buffer (no query in the request). A daemon thread, one per
process, writes the buffer with one bulk INSERT once it holds ``BATCH_SIZE`` events or its
oldest event is ``FLUSH_SECONDS`` old, on the thread's own database connection, outside every
request's transaction. The buffer is bounded: at ``BUFFER_MAX`` events the request
that fills it writes them itself. Exit writes what is left. A failed write is logged, never
raised into a request: those events are lost.

Buffered events carry names, as the registry's hot path knows no ids. The write resolves the
namespace, repository and performer ids with one query each per batch, so every row is found
through the same (namespace|repository|performer, created) indexes. A name that no longer
resolves leaves its foreign key null; the name columns keep the record readable.

With ``LOGS_MODEL: elasticsearch`` the buffer's batches go to a search cluster instead
(orgs/audit_sinks.py), and so do direct writes, queued once their action commits: the cluster
cannot join the transaction. A batch the cluster does not take stays queued and is sent again
``RETRY_SECONDS`` later; requests never wait for the cluster.
"""

from __future__ import annotations

import atexit
import ipaddress
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteDatabaseWrapper
from django.db.models import Field
from django.utils import timezone

from orgs.audit_sinks import AuditSink, elasticsearch_sink
from orgs.models import AuditLog, Namespace, User
from orgs.request_context import request_credential, request_ip

if TYPE_CHECKING:
    from registry.models import Repository

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
FLUSH_SECONDS = 1.0
BUFFER_MAX = 10_000
# A sink that failed (a search cluster down) is tried again this much later, with its events kept
# up to RETRY_EVENTS_MAX; past that the oldest are dropped, with an error logged.
RETRY_SECONDS = 5.0
RETRY_EVENTS_MAX = 100_000

# How the performer authenticated; an app token adds its code: credential_app_token(). A browser
# session and an OAuth token (CREDENTIAL_SESSION, CREDENTIAL_OAUTH) come from orgs.request_context.
CREDENTIAL_PASSWORD = "password"
CREDENTIAL_ROBOT = "robot"
CREDENTIAL_ANONYMOUS = "anonymous"

# Quay's log kinds (its LogEntryKind table) that apply here, plus delete_manifest for a manifest
# deleted by digest and change_namespace_storage for a namespace's own storage locations. An
# unknown kind is a typo: it raises rather than writing an unreadable row.
AUDIT_KINDS = frozenset(
    """
    user_create user_delete user_disable user_enable user_change_email user_change_password
    user_change_name account_change_password login_success login_failure logout_success
    create_app_specific_token revoke_app_specific_token oauth_token_assigned oauth_token_revoked
    user_change_tag_expiration

    create_robot delete_robot regenerate_robot_token

    org_create org_delete org_change_email org_change_name org_create_team org_delete_team
    org_change_tag_expiration org_remove_member
    create_application update_application delete_application reset_application_client_secret
    org_add_team_member org_remove_team_member org_set_team_description org_set_team_role
    create_prototype_permission modify_prototype_permission delete_prototype_permission
    take_ownership

    create_repo delete_repo push_repo pull_repo change_repo_visibility set_repo_description
    change_repo_state add_repo_permission change_repo_permission delete_repo_permission
    create_tag move_tag delete_tag revert_tag change_tag_expiration permanently_delete_tag
    delete_manifest manifest_label_add manifest_label_delete

    repo_mirror_enabled repo_mirror_disabled repo_mirror_config_changed repo_mirror_sync_started
    repo_mirror_sync_failed repo_mirror_sync_success repo_mirror_sync_now_requested
    autoprune_tag_delete create_namespace_autoprune_policy update_namespace_autoprune_policy
    delete_namespace_autoprune_policy create_repository_autoprune_policy
    update_repository_autoprune_policy delete_repository_autoprune_policy
    add_repo_notification delete_repo_notification reset_repo_notification
    setup_repo_trigger delete_repo_trigger toggle_repo_trigger build_dockerfile
    start_build_trigger cancel_build
    service_key_create service_key_approve service_key_delete service_key_modify
    service_key_extend service_key_rotate
    org_create_quota org_change_quota org_delete_quota
    org_create_quota_limit org_change_quota_limit org_delete_quota_limit
    change_namespace_storage
    """.split()
)


def credential_app_token(code: str) -> str:
    return f"app_token:{code}"


def _kind_check(kind: str) -> None:
    if kind not in AUDIT_KINDS:
        raise ValueError(f"unknown audit log kind {kind!r}")


def _ip_or_none(ip: str | None) -> str | None:
    """A valid address, or None: one malformed address must not fail a whole batch's INSERT."""
    if not ip:
        return None
    try:
        # Zone ids (fe80::1%eth0) are not part of the address the column stores.
        return str(ipaddress.ip_address(ip.split("%", 1)[0]))
    except ValueError:
        return None


def audit_log_write(
    *,
    kind: str,
    performer: User | None = None,
    credential: str = "",
    namespace: Namespace | None = None,
    repository: Repository | None = None,
    ip: str | None = None,
    metadata: dict | None = None,
) -> None:
    """Records one mutating action with one INSERT, in the caller's transaction.

    With a repository and no namespace, the repository's namespace is recorded; pass a
    repository whose namespace is loaded (or the namespace) to keep it to one statement.
    Inside a request, the address and credential not given are the request's.
    """
    _kind_check(kind)
    if ip is None:
        ip = request_ip()
    if not credential:
        credential = request_credential()
    if namespace is None and repository is not None:
        namespace = repository.namespace
    if not isinstance(audit_sink(), DatabaseSink):
        # Another store cannot join the action's transaction: the record is queued once the
        # action has committed, so a rolled-back action leaves none.
        event = _Event(
            kind=kind,
            performer_id=performer.pk if performer is not None else None,
            performer_name=performer.username if performer is not None else "",
            credential=credential,
            namespace_name=namespace.name if namespace is not None else "",
            repository_name=repository.name if repository is not None else "",
            ip=_ip_or_none(ip),
            metadata=metadata or {},
            created=timezone.now(),
        )
        transaction.on_commit(lambda: _buffer.add(event), robust=True)
        return
    AuditLog.objects.create(
        kind=kind,
        performer=performer,
        performer_name=performer.username if performer is not None else "",
        credential=credential,
        namespace=namespace,
        namespace_name=namespace.name if namespace is not None else "",
        repository=repository,
        repository_name=repository.name if repository is not None else "",
        ip=_ip_or_none(ip),
        created=timezone.now(),
        metadata=metadata or {},
    )


def audit_log_write_many(
    *,
    kind: str,
    namespace: Namespace,
    repository: Repository | None = None,
    credential: str = "",
    metadatas: list[dict],
) -> None:
    """Records one action per metadata (a system actor's, no performer) with one executemany,
    in the caller's transaction: for a worker ending many tags at once."""
    _kind_check(kind)
    created = timezone.now()
    if not isinstance(audit_sink(), DatabaseSink):
        events = [
            _Event(
                kind=kind,
                performer_id=None,
                performer_name="",
                credential=credential,
                namespace_name=namespace.name,
                repository_name=repository.name if repository is not None else "",
                ip=None,
                metadata=metadata,
                created=created,
            )
            for metadata in metadatas
        ]
        transaction.on_commit(lambda: _buffer.add_many(events), robust=True)
        return
    repository_id, repository_name = (
        (repository.pk, repository.name) if repository is not None else (None, "")
    )
    _rows_insert(
        [
            (
                kind,
                None,
                "",
                credential,
                namespace.pk,
                namespace.name,
                repository_id,
                repository_name,
                None,
                created,
                metadata,
            )
            for metadata in metadatas
        ]
    )


# Registry traffic: buffered, written in batches ----------------------------------------------


@dataclass(frozen=True, slots=True)
class _Event:
    kind: str
    performer_id: int | None
    performer_name: str
    credential: str
    namespace_name: str
    repository_name: str
    ip: str | None
    metadata: dict
    created: datetime
    # A search cluster's document id: sent again after a failure, it overwrites, never doubles.
    random_id: str = field(default_factory=lambda: uuid.uuid4().hex)


class DatabaseSink(AuditSink):
    """The AuditLog table, one bulk INSERT per batch; a batch that fails is logged and lost."""

    def write(self, events: list[_Event]) -> list[_Event]:
        _events_write(events)
        return []


_sinks: dict[str, AuditSink] = {}


def audit_sink() -> AuditSink:
    """The sink LOGS_MODEL names; read from settings at each call, so an override applies."""
    model, config = settings.LOGS_MODEL, settings.LOGS_MODEL_CONFIG
    cache_key = repr((model, config))
    sink = _sinks.get(cache_key)
    if sink is None:
        sink = (
            elasticsearch_sink(config, resolve=_ids_resolve) if model == "elasticsearch" else DatabaseSink()
        )
        _sinks[cache_key] = sink
    return sink


def _writer_thread_may_run() -> bool:
    """False on an in-memory SQLite database (the test database).

    There a second connection meets "table is locked" at once instead of waiting, and so would
    the requests beside it; events wait for audit_log_flush(), a full buffer, or exit.
    """
    database = connections[AuditLog.objects.db]
    return not (isinstance(database, SQLiteDatabaseWrapper) and database.is_in_memory_db())


class _Buffer:
    """One process's unwritten events and the thread that writes them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        # Held while events are taken and written, so a flush returns only once every event
        # queued before it is in the database, including a batch the thread was writing.
        self.write_lock = threading.Lock()
        self.events: list[_Event] = []
        self.oldest = 0.0
        self.retry_at = 0.0
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None

    def add(self, event: _Event) -> list[_Event] | None:
        """Queues ``event``; returns the whole buffer for the caller to write when it is full."""
        return self.add_many([event])

    def add_many(self, events: list[_Event]) -> list[_Event] | None:
        with self.lock:
            if not self.events:
                self.oldest = time.monotonic()
            self.events.extend(events)
            size = len(self.events)
            if size >= BUFFER_MAX and audit_sink().request_may_write:
                return self.take_locked()
            if self.thread is None and _writer_thread_may_run():
                self.thread = threading.Thread(target=self.run, name="audit-log-writer", daemon=True)
                self.thread.start()
        # The first event gives the sleeping thread a deadline; a full batch is due at once.
        if size == len(events) or size - len(events) < BATCH_SIZE <= size:
            self.wake.set()
        return None

    def take_locked(self) -> list[_Event]:
        events, self.events = self.events, []
        return events

    def take(self) -> list[_Event]:
        with self.lock:
            return self.take_locked()

    def write_all(self) -> None:
        with self.write_lock:
            events = self.take()
            if events:
                unwritten = audit_sink().write(events)
                if unwritten:
                    self.requeue(unwritten)
                else:
                    # The sink works again: the next batch goes when due, not after a back-off.
                    self.retry_at = 0.0

    def requeue(self, events: list[_Event]) -> None:
        """Puts events a sink could not take back in front of the newer ones, for a later try."""
        if not events:
            return
        with self.lock:
            self.events[:0] = events
            self.oldest = time.monotonic()
            self.retry_at = time.monotonic() + RETRY_SECONDS
            excess = len(self.events) - RETRY_EVENTS_MAX
            if excess > 0:
                del self.events[:excess]
        if excess > 0:
            logger.error("the audit log sink is still failing: %d oldest events dropped", excess)

    def run(self) -> None:
        while True:
            try:
                self.write_when_due()
            except Exception:
                # _events_write() logs its own failures; this is the loop itself. Keep it alive.
                logger.exception("the audit log writer failed; retrying in a second")
                time.sleep(1)

    def write_when_due(self) -> None:
        with self.lock:
            size, oldest = len(self.events), self.oldest
        # Read at every turn, so a change (a test's) applies without restarting the thread.
        due = max(oldest + FLUSH_SECONDS, self.retry_at)
        if size >= BATCH_SIZE and time.monotonic() >= self.retry_at:
            due = 0.0
        if size and time.monotonic() >= due:
            try:
                self.write_all()
            finally:
                # An idle writer holds no connection (and lets a test database be dropped).
                connections.close_all()
            return
        self.wake.wait(timeout=max(0.0, due - time.monotonic()) if size else None)
        self.wake.clear()


_buffer = _Buffer()


def _buffer_reset_in_child() -> None:
    # A forked child shares neither the parent's thread nor its locks' state; the parent still
    # writes the events it had queued.
    global _buffer
    _buffer = _Buffer()


os.register_at_fork(after_in_child=_buffer_reset_in_child)


def audit_log_registry(
    *,
    kind: str,
    performer_id: int | None,
    performer_name: str,
    credential: str,
    namespace_name: str = "",
    repository_name: str = "",
    ip: str | None = None,
    metadata: dict | None = None,
) -> None:
    """Queues a registry event (pull, push, delete, failed login) for the next batch.

    Costs no query unless the buffer is full, and never raises on a database error.
    """
    _kind_check(kind)
    event = _Event(
        kind=kind,
        performer_id=performer_id,
        performer_name=performer_name,
        credential=credential,
        namespace_name=namespace_name,
        repository_name=repository_name,
        ip=_ip_or_none(ip),
        metadata=metadata or {},
        created=timezone.now(),
    )
    full = _buffer.add(event)
    if full is not None:
        # The writer is behind (a slow database): this request pays for the batch.
        _buffer.requeue(audit_sink().write(full))


def audit_log_flush() -> None:
    """Writes every queued event now, on the caller's connection (and in its transaction).

    Events the sink could not take stay queued for the next try."""
    _buffer.write_all()


def audit_log_discard() -> int:
    """Drops every queued event unwritten; returns how many.

    For tests: their rows live in a transaction the writer thread's connection cannot see.
    """
    return len(_buffer.take())


def _flush_at_exit() -> None:
    buffer = _buffer
    # Let a batch the thread is writing finish, but never hang the exit on a stuck database.
    if buffer.write_lock.acquire(timeout=5):
        try:
            events = buffer.take()
            unwritten = audit_sink().write(events) if events else []
            if unwritten:
                logger.error("%d audit log events could not be written before exit", len(unwritten))
        finally:
            buffer.write_lock.release()


atexit.register(_flush_at_exit)


def _events_write(events: list[_Event]) -> None:
    try:
        try:
            with transaction.atomic():
                _rows_insert(_rows(events, resolve=True))
        except IntegrityError:
            # A namespace, repository or user was deleted between resolving and inserting.
            with transaction.atomic():
                _rows_insert(_rows(events, resolve=False))
    except Exception:
        logger.exception("could not write %d audit log events; they are lost", len(events))


_COLUMNS = (
    "kind",
    "performer_id",
    "performer_name",
    "credential",
    "namespace_id",
    "namespace_name",
    "repository_id",
    "repository_name",
    "ip",
    "created",
    "metadata",
)


def _column(name: str) -> tuple[str, Field]:
    """A concrete field of the table and its column, for the hand-written INSERT."""
    field = AuditLog._meta.get_field(name)
    assert isinstance(field, Field) and field.column is not None  # _COLUMNS names no relation's reverse
    return field.column, field


def _rows_insert(rows: list[tuple]) -> None:
    """One executemany of plain tuples: building model instances for bulk_create cost ten
    times more CPU per pull than the INSERT itself."""
    connection = connections[AuditLog.objects.db]
    quote = connection.ops.quote_name
    columns = [_column(name) for name in _COLUMNS]
    sql = (
        f"INSERT INTO {quote(AuditLog._meta.db_table)} ({', '.join(quote(column) for column, _ in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    (_, created), (_, metadata) = columns[-2], columns[-1]
    prepared = [
        (
            *row[:-2],
            created.get_db_prep_save(row[-2], connection),
            metadata.get_db_prep_save(row[-1], connection),
        )
        for row in rows
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(prepared), BATCH_SIZE):
            cursor.executemany(sql, prepared[start : start + BATCH_SIZE])


def _rows(events: list[_Event], *, resolve: bool) -> list[tuple]:
    namespaces, repositories, performers = _ids_resolve(events) if resolve else ({}, {}, set())
    rows = []
    for event in events:
        namespace_id = namespaces.get(event.namespace_name)
        rows.append(
            (
                event.kind,
                event.performer_id if event.performer_id in performers else None,
                event.performer_name,
                event.credential,
                namespace_id,
                event.namespace_name,
                repositories.get((namespace_id, event.repository_name)),
                event.repository_name,
                event.ip,
                event.created,
                event.metadata,
            )
        )
    return rows


def _ids_resolve(
    events: list[_Event],
) -> tuple[dict[str, int], dict[tuple[int | None, str], int], set[int]]:
    """Namespace ids by name, repository ids by (namespace id, name), performer ids that exist."""
    namespace_names = {event.namespace_name for event in events if event.namespace_name}
    namespaces: dict[str, int] = {}
    if namespace_names:
        namespaces = dict(Namespace.objects.filter(name__in=namespace_names).values_list("name", "pk"))
    repository_names = {
        event.repository_name
        for event in events
        if event.repository_name and event.namespace_name in namespaces
    }
    repositories: dict[tuple[int | None, str], int] = {}
    if repository_names:
        # The registry app builds on this one: reach its model through the foreign key.
        repository_model = AuditLog._meta.get_field("repository").related_model
        found = repository_model._default_manager.filter(
            namespace_id__in=namespaces.values(), name__in=repository_names
        ).values_list("namespace_id", "name", "pk")
        repositories = {(namespace_id, name): pk for namespace_id, name, pk in found}
    performer_ids = {event.performer_id for event in events if event.performer_id is not None}
    performers: set[int] = set()
    if performer_ids:
        performers = set(User.objects.filter(pk__in=performer_ids).values_list("pk", flat=True))
    return namespaces, repositories, performers
