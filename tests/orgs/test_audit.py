"""The audit log: direct writes, batched registry events, and the readers."""

from __future__ import annotations

import logging
import os
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import DatabaseError, OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import orgs.audit
from orgs.audit import (
    audit_log_discard,
    audit_log_flush,
    audit_log_registry,
    audit_log_write,
    credential_app_token,
)
from orgs.models import AuditLog
from orgs.selectors.audit import (
    audit_log_counts_per_day,
    audit_logs_for_namespace,
    audit_logs_for_repository,
    audit_logs_for_user,
)
from registry.models import Repository
from tests.conftest import basic_auth
from tests.registry.pushing import push_image

REPO = "alice/app"


@pytest.fixture(autouse=True)
def audit_buffer_held(db, monkeypatch):
    """The writer thread stays idle (it could not see a test's rows); each test flushes itself."""
    monkeypatch.setattr(orgs.audit, "FLUSH_SECONDS", 3600.0)
    monkeypatch.setattr(orgs.audit, "BATCH_SIZE", orgs.audit.BUFFER_MAX)
    audit_log_discard()
    # Rows an earlier test's events left, written by the thread outside any test transaction.
    AuditLog.objects.all().delete()
    yield
    audit_log_discard()


@pytest.fixture
def log_emptied() -> None:
    """Requested after the user and organization fixtures: removes the rows their creation wrote,
    so a test reads back only its own."""
    AuditLog.objects.all().delete()


def pulled(registry, reference: str, *, method: str = "GET", **extra):
    token = registry.token(f"repository:{REPO}:pull")
    return registry.client.generic(
        method, f"/v2/{REPO}/manifests/{reference}", HTTP_AUTHORIZATION=f"Bearer {token}", **extra
    )


def event_queue(kind: str = "pull_repo", **fields) -> None:
    values = {
        "performer_id": None,
        "performer_name": "",
        "credential": "anonymous",
        "namespace_name": "alice",
        "repository_name": "app",
    }
    audit_log_registry(kind=kind, **{**values, **fields})


# Direct writes ---------------------------------------------------------------------------------


def test_write_records_every_column(alice, acme, log_emptied):
    before = timezone.now()
    audit_log_write(
        kind="create_robot",
        performer=alice,
        credential=credential_app_token("ABC123"),
        namespace=acme.namespace,
        ip="10.0.0.7",
        metadata={"robot": "acme+deployer"},
    )
    row = AuditLog.objects.get(kind="create_robot")
    assert (row.kind, row.performer, row.performer_name) == ("create_robot", alice, "alice")
    assert row.credential == "app_token:ABC123"
    assert (row.namespace, row.namespace_name) == (acme.namespace, "acme")
    assert (row.repository, row.repository_name) == (None, "")
    assert row.ip == "10.0.0.7"
    assert row.metadata == {"robot": "acme+deployer"}
    assert before <= row.created <= timezone.now()


def test_write_with_a_repository_records_its_namespace(alice, log_emptied):
    repository = Repository.objects.create(namespace=alice.namespace, name="app")
    audit_log_write(
        kind="change_repo_permission", performer=alice, credential="password", repository=repository
    )
    row = AuditLog.objects.get(kind="change_repo_permission")
    assert (row.repository, row.repository_name) == (repository, "app")
    assert (row.namespace, row.namespace_name) == (alice.namespace, "alice")


def test_write_without_performer_records_no_name(db):
    audit_log_write(kind="user_create", metadata={"username": "dave"})
    row = AuditLog.objects.get(kind="user_create", metadata__username="dave")
    assert (row.performer, row.performer_name, row.ip) == (None, "", None)


def test_write_refuses_an_unknown_kind(alice, log_emptied):
    with pytest.raises(ValueError, match="unknown audit log kind"):
        audit_log_write(kind="robot_made", performer=alice)
    assert not AuditLog.objects.exists()


def test_write_keeps_a_malformed_address_out(alice, log_emptied):
    audit_log_write(kind="user_change_password", performer=alice, ip="not-an-address")
    assert AuditLog.objects.get(kind="user_change_password").ip is None


def test_record_outlives_its_performer(bob, log_emptied):
    audit_log_write(kind="user_change_email", performer=bob, credential="password")
    bob.delete()
    row = AuditLog.objects.get(kind="user_change_email")
    assert (row.performer, row.performer_name) == (None, "bob")


# Registry events through the real endpoints ----------------------------------------------------


def test_pull_is_recorded_after_flush(as_alice, alice):
    digest, _ = push_image(as_alice, REPO, "v1")
    audit_log_flush()
    response = pulled(as_alice, "v1", REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 200
    assert not AuditLog.objects.filter(kind="pull_repo").exists()

    audit_log_flush()

    row = AuditLog.objects.get(kind="pull_repo")
    assert (row.performer, row.performer_name, row.credential) == (alice, "alice", "password")
    assert (row.namespace, row.namespace_name) == (alice.namespace, "alice")
    assert (row.repository, row.repository_name) == (Repository.objects.get(name="app"), "app")
    assert row.ip == "192.0.2.10"
    assert row.metadata == {"tag": "v1", "digest": digest}


def test_pull_by_digest_records_the_digest(as_alice):
    digest, _ = push_image(as_alice, REPO, "v1")
    assert pulled(as_alice, digest).status_code == 200
    audit_log_flush()
    assert AuditLog.objects.get(kind="pull_repo").metadata == {"digest": digest}


def test_pull_runs_one_query_and_queues_its_event(as_alice, django_assert_num_queries):
    push_image(as_alice, REPO, "v1")
    token = as_alice.token(f"repository:{REPO}:pull")
    with django_assert_num_queries(1):
        response = as_alice.client.get(f"/v2/{REPO}/manifests/v1", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    audit_log_flush()
    assert AuditLog.objects.filter(kind="pull_repo").count() == 1


def test_manifest_head_is_not_recorded(as_alice):
    push_image(as_alice, REPO, "v1")
    assert pulled(as_alice, "v1", method="HEAD").status_code == 200
    audit_log_flush()
    assert not AuditLog.objects.filter(kind="pull_repo").exists()


def test_anonymous_pull_of_a_public_repository_is_recorded_as_anonymous(as_alice, anonymous):
    push_image(as_alice, REPO, "v1")
    Repository.objects.filter(name="app").update(is_public=True)
    assert pulled(anonymous, "v1").status_code == 200
    audit_log_flush()
    row = AuditLog.objects.get(kind="pull_repo")
    assert (row.performer, row.performer_name, row.credential) == (None, "", "anonymous")
    assert row.repository_name == "app"


def test_push_is_recorded_with_tag_and_digest(as_alice, alice):
    digest, _ = push_image(as_alice, REPO, "v1")
    audit_log_flush()
    row = AuditLog.objects.get(kind="push_repo")
    assert (row.performer, row.credential, row.ip) == (alice, "password", "127.0.0.1")
    assert row.repository == Repository.objects.get(name="app")
    assert row.metadata == {"tag": "v1", "digest": digest}


def test_tag_delete_is_recorded(as_alice, alice):
    push_image(as_alice, REPO, "v1")
    response = as_alice.call("DELETE", f"/v2/{REPO}/manifests/v1", scope=f"repository:{REPO}:*")
    assert response.status_code == 202
    audit_log_flush()
    row = AuditLog.objects.get(kind="delete_tag")
    assert (row.performer, row.repository_name, row.metadata) == (alice, "app", {"tag": "v1"})


def test_manifest_delete_is_recorded(as_alice):
    digest, _ = push_image(as_alice, REPO, "v1")
    response = as_alice.call("DELETE", f"/v2/{REPO}/manifests/{digest}", scope=f"repository:{REPO}:*")
    assert response.status_code == 202
    audit_log_flush()
    assert AuditLog.objects.get(kind="delete_manifest").metadata == {"digest": digest}


def test_failed_login_is_recorded_with_the_username(client, alice):
    response = client.get(
        "/v2/auth", HTTP_AUTHORIZATION=basic_auth("alice", "wrong"), REMOTE_ADDR="192.0.2.3"
    )
    assert response.status_code == 401
    audit_log_flush()
    row = AuditLog.objects.get(kind="login_failure")
    assert (row.performer, row.ip, row.metadata) == (None, "192.0.2.3", {"username": "alice"})


# Batching --------------------------------------------------------------------------------------


def test_a_batch_resolves_its_ids_with_one_query_each(alice, bob):
    Repository.objects.create(namespace=alice.namespace, name="app")
    Repository.objects.create(namespace=bob.namespace, name="tool")
    for _ in range(50):
        event_queue(performer_id=alice.pk, performer_name="alice")
        event_queue(performer_id=bob.pk, performer_name="bob", namespace_name="bob", repository_name="tool")
    with CaptureQueriesContext(connection) as queries:
        audit_log_flush()
    # Namespaces, repositories, performers; the INSERTs are as many as the database's limit on
    # parameters per statement requires (one on PostgreSQL, two on SQLite).
    selects = [query for query in queries if query["sql"].startswith("SELECT")]
    assert len(selects) == 3
    assert AuditLog.objects.filter(repository__name="app", performer=alice).count() == 50
    assert AuditLog.objects.filter(repository__name="tool", performer=bob).count() == 50


def test_names_that_no_longer_resolve_leave_the_keys_null(db):
    event_queue(performer_id=999_999, performer_name="ghost", namespace_name="gone", repository_name="app")
    audit_log_flush()
    row = AuditLog.objects.get(kind="pull_repo")
    assert (row.performer_id, row.namespace_id, row.repository_id) == (None, None, None)
    assert (row.performer_name, row.namespace_name, row.repository_name) == ("ghost", "gone", "app")


def test_a_full_buffer_is_written_by_the_request_that_fills_it(db, monkeypatch):
    monkeypatch.setattr(orgs.audit, "BUFFER_MAX", 3)
    event_queue()
    event_queue()
    assert not AuditLog.objects.filter(kind="pull_repo").exists()
    event_queue()
    assert AuditLog.objects.filter(kind="pull_repo").count() == 3


def test_a_database_error_is_logged_not_raised(db, monkeypatch, caplog):
    def failing(*args, **kwargs):
        raise OperationalError("the database is down")

    monkeypatch.setattr(orgs.audit, "_rows_insert", failing)
    event_queue()
    with caplog.at_level(logging.ERROR, logger="orgs.audit"):
        audit_log_flush()
    assert "could not write 1 audit log events" in caplog.text


def test_a_pull_succeeds_while_the_log_cannot_be_written(as_alice, monkeypatch):
    push_image(as_alice, REPO, "v1")
    monkeypatch.setattr(orgs.audit, "BUFFER_MAX", 1)

    def failing(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(orgs.audit, "_rows_insert", failing)
    assert pulled(as_alice, "v1").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_writer_thread_flushes_after_the_interval(monkeypatch):
    monkeypatch.setattr(orgs.audit, "FLUSH_SECONDS", 0.05)
    # On SQLite the test database is in memory, where the thread stays off; here nothing else
    # writes while it runs.
    monkeypatch.setattr(orgs.audit, "_writer_thread_may_run", lambda: True)
    event_queue(namespace_name="nobody", repository_name="thread")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if AuditLog.objects.filter(repository_name="thread").exists():
                break
        except OperationalError:
            # SQLite's shared in-memory test database: the writer holds the table for a moment.
            pass
        time.sleep(0.02)
    assert AuditLog.objects.filter(repository_name="thread").count() == 1


def test_a_forked_child_starts_with_an_empty_buffer(db):
    event_queue()
    pid = os.fork()
    if pid == 0:
        # The child must neither write nor inherit the parent's queued events.
        os._exit(0 if not orgs.audit._buffer.events and orgs.audit._buffer.thread is None else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    audit_log_flush()
    assert AuditLog.objects.filter(kind="pull_repo").count() == 1


# Readers ---------------------------------------------------------------------------------------

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def logged(kind: str, *, at: datetime, performer=None, namespace=None, repository=None) -> AuditLog:
    audit_log_write(kind=kind, performer=performer, namespace=namespace, repository=repository)
    row = AuditLog.objects.latest("pk")
    row.created = at
    row.save(update_fields=["created"])
    return row


@pytest.fixture
def history(alice, bob, acme, log_emptied):
    app = Repository.objects.create(namespace=acme.namespace, name="app")
    web = Repository.objects.create(namespace=acme.namespace, name="web")
    return {
        "push": logged("push_repo", at=T0, performer=alice, repository=app),
        "pull": logged("pull_repo", at=T0 + timedelta(hours=1), performer=bob, repository=app),
        "tag": logged("delete_tag", at=T0 + timedelta(days=1), performer=alice, repository=app),
        "web": logged("push_repo", at=T0 + timedelta(days=1, hours=1), performer=alice, repository=web),
        "team": logged(
            "org_create_team", at=T0 + timedelta(days=2), performer=alice, namespace=acme.namespace
        ),
        "mine": logged("create_robot", at=T0 + timedelta(days=2), performer=bob, namespace=bob.namespace),
        "app": app,
    }


def test_repository_reader_lists_its_rows_newest_first(history):
    rows = audit_logs_for_repository(history["app"])
    assert rows == [history["tag"], history["pull"], history["push"]]


def test_namespace_reader_includes_its_repositories(history, acme):
    rows = audit_logs_for_namespace(acme.namespace)
    assert rows == [history["team"], history["web"], history["tag"], history["pull"], history["push"]]


def test_user_reader_lists_what_the_user_did(history, bob):
    assert audit_logs_for_user(bob) == [history["mine"], history["pull"]]


def test_readers_filter_by_time_window_and_kind(history, acme, alice):
    day_two = audit_logs_for_namespace(
        acme.namespace, start=T0 + timedelta(days=1), end=T0 + timedelta(days=2)
    )
    assert day_two == [history["web"], history["tag"]]
    assert audit_logs_for_user(alice, kinds=["push_repo"]) == [history["web"], history["push"]]
    assert audit_logs_for_repository(history["app"], limit=1) == [history["tag"]]


def test_readers_refuse_an_unbounded_limit(history):
    with pytest.raises(ValueError):
        audit_logs_for_repository(history["app"], limit=0)


def test_counts_per_day_by_kind(history, acme):
    counts = audit_log_counts_per_day(namespace=acme.namespace, start=T0, end=T0 + timedelta(days=3))
    assert counts == [
        (date(2025, 3, 1), "pull_repo", 1),
        (date(2025, 3, 1), "push_repo", 1),
        (date(2025, 3, 2), "delete_tag", 1),
        (date(2025, 3, 2), "push_repo", 1),
        (date(2025, 3, 3), "org_create_team", 1),
    ]


def test_counts_per_day_for_one_repository(history):
    counts = audit_log_counts_per_day(
        repository=history["app"], start=T0 + timedelta(days=1), end=T0 + timedelta(days=3)
    )
    assert counts == [(date(2025, 3, 2), "delete_tag", 1)]
