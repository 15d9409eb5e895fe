"""The audit log sent to Elasticsearch/OpenSearch: _bulk requests to a small real HTTP server
that answers with the documented responses recorded in opensearch_bulk_exchange.json."""

from __future__ import annotations

import copy
import json
import logging
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.db import transaction

import orgs.audit
import orgs.audit_sinks
from orgs.audit import audit_log_discard, audit_log_flush, audit_log_registry, audit_log_write
from orgs.audit_sinks import elasticsearch_problems
from orgs.models import AuditLog
from registry.models import Repository

EXCHANGE = json.loads((Path(__file__).parent / "opensearch_bulk_exchange.json").read_text())


class FakeCluster:
    """Answers each POST /_bulk with the next scripted response (then "ok"), records what came."""

    def __init__(self) -> None:
        self.script: list[str] = []
        self.received: list[dict] = []
        cluster = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                root = EXCHANGE["root"]
                assert self.requestline == root["request_line"]
                self.reply(root["status"], root["body"])

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                cluster.received.append(
                    {
                        "request_line": self.requestline,
                        "content_type": self.headers["Content-Type"],
                        "authorization": self.headers.get("Authorization"),
                        "lines": [json.loads(line) for line in body.splitlines()],
                        "raw": body,
                    }
                )
                self.reply(*cluster.answer(cluster.script.pop(0) if cluster.script else "ok", body))

            def reply(self, status: int, answer: dict) -> None:
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]

    def answer(self, name: str, body: str) -> tuple[int, dict]:
        recorded = EXCHANGE["responses"][name]
        answer = copy.deepcopy(recorded["body"])
        if "item" in recorded:
            actions = [json.loads(line)["index"] for line in body.splitlines()[::2]]
            failed = recorded.get("failed_items", [])
            for position, action in enumerate(actions):
                item = copy.deepcopy(failed[position] if position < len(failed) else recorded["item"])
                item["index"].update(_index=action["_index"], _id=action["_id"])
                answer["items"].append(item)
        return recorded["status"], answer


@pytest.fixture(scope="module")
def cluster() -> Iterator[FakeCluster]:
    fake = FakeCluster()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def elasticsearch(cluster, settings, db, monkeypatch) -> Iterator[FakeCluster]:
    monkeypatch.setattr(orgs.audit, "FLUSH_SECONDS", 3600.0)
    monkeypatch.setattr(orgs.audit, "BATCH_SIZE", orgs.audit.BUFFER_MAX)
    settings.LOGS_MODEL = "elasticsearch"
    settings.LOGS_MODEL_CONFIG = {
        "elasticsearch_config": {
            "host": "127.0.0.1",
            "port": cluster.port,
            "use_ssl": False,
            "index_prefix": "quaylogs_",
            "user": "audit",
            "password": "s3cret",
        }
    }
    audit_log_discard()
    # An earlier test's failure must not hold this one's batches back.
    orgs.audit._buffer.retry_at = 0.0
    cluster.script.clear()
    cluster.received.clear()
    yield cluster
    audit_log_discard()


def pulled(name: str = "alice") -> None:
    audit_log_registry(
        kind="pull_repo",
        performer_id=None,
        performer_name=name,
        credential="password",
        namespace_name="alice",
        repository_name="app",
        ip="10.0.0.7",
        metadata={"tag": "latest"},
    )


def actions_and_documents(request: dict) -> tuple[list[dict], list[dict]]:
    lines = request["lines"]
    return [line["index"] for line in lines[::2]], lines[1::2]


def test_a_batch_is_one_bulk_request_of_ndjson_into_the_days_index(
    elasticsearch, alice, django_capture_on_commit_callbacks
) -> None:
    repository = Repository.objects.create(namespace=alice.namespace, name="app")
    AuditLog.objects.all().delete()
    pulled()
    with django_capture_on_commit_callbacks(execute=True):
        audit_log_write(kind="set_repo_description", performer=alice, repository=repository, ip="::1")
    audit_log_flush()

    [request] = elasticsearch.received
    assert request["request_line"] == EXCHANGE["request_line"]
    assert request["content_type"] == EXCHANGE["request_content_type"]
    assert request["authorization"] == "Basic YXVkaXQ6czNjcmV0"
    assert request["raw"].endswith("\n")
    actions, documents = actions_and_documents(request)
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    assert [action["_index"] for action in actions] == [f"quaylogs_{today}"] * 2
    assert [action["_id"] for action in actions] == [document["random_id"] for document in documents]
    pull, described = documents
    assert pull["kind"] == "pull_repo"
    assert (pull["account_id"], pull["repository_id"]) == (alice.namespace.pk, repository.pk)
    assert (pull["namespace_name"], pull["repository_name"], pull["performer_name"]) == (
        "alice",
        "app",
        "alice",
    )
    assert pull["ip"] == "10.0.0.7"
    assert json.loads(pull["metadata_json"]) == {"tag": "latest"}
    assert datetime.fromisoformat(pull["datetime"]).tzinfo is not None
    assert described["kind"] == "set_repo_description"
    assert described["performer_id"] == alice.pk
    assert described["ip"] == "::1"
    # Quay's way: with the search cluster configured, the table gets no rows.
    assert AuditLog.objects.count() == 0
    audit_log_flush()
    assert len(elasticsearch.received) == 1


def test_a_rolled_back_action_sends_no_record(
    elasticsearch, alice, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            audit_log_write(kind="user_change_email", performer=alice)
            raise RuntimeError("the action failed")
        audit_log_write(kind="user_change_name", performer=alice)
    assert len(callbacks) == 1
    audit_log_flush()
    [request] = elasticsearch.received
    assert [document["kind"] for document in actions_and_documents(request)[1]] == ["user_change_name"]


def test_a_503_keeps_the_batch_and_sends_it_again_with_the_same_ids(elasticsearch, caplog) -> None:
    elasticsearch.script[:] = ["unavailable"]
    pulled("first")
    pulled("second")
    with caplog.at_level(logging.ERROR, logger="orgs.audit_sinks"):
        audit_log_flush()
    assert "HTTP 503" in caplog.text and "cluster_block_exception" in caplog.text
    assert orgs.audit._buffer.retry_at > 0

    pulled("third")
    audit_log_flush()
    first, second = elasticsearch.received
    first_actions, _ = actions_and_documents(first)
    second_actions, documents = actions_and_documents(second)
    # The kept events go first, with the ids they had, so a partly applied batch is overwritten.
    assert [action["_id"] for action in second_actions[:2]] == [action["_id"] for action in first_actions]
    assert [document["performer_name"] for document in documents] == ["first", "second", "third"]
    audit_log_flush()
    assert len(elasticsearch.received) == 2


def test_items_refused_for_now_are_sent_again_and_items_refused_for_good_are_logged(
    elasticsearch, caplog
) -> None:
    elasticsearch.script[:] = ["item_errors"]
    pulled("rejected")
    pulled("unparsable")
    pulled("indexed")
    with caplog.at_level(logging.ERROR, logger="orgs.audit_sinks"):
        audit_log_flush()
    assert "mapper_parsing_exception" in caplog.text
    audit_log_flush()
    _, documents = actions_and_documents(elasticsearch.received[1])
    assert [document["performer_name"] for document in documents] == ["rejected"]
    audit_log_flush()
    assert len(elasticsearch.received) == 2


def test_the_writer_thread_sends_and_retries_on_its_own(elasticsearch, monkeypatch) -> None:
    if not orgs.audit._writer_thread_may_run():
        pytest.skip("no writer thread on an in-memory SQLite database")
    monkeypatch.setattr(orgs.audit, "FLUSH_SECONDS", 0.05)
    monkeypatch.setattr(orgs.audit, "RETRY_SECONDS", 0.3)
    elasticsearch.script[:] = ["unavailable"]
    started = time.monotonic()
    pulled("threaded")
    deadline = started + 5
    while len(elasticsearch.received) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    first, second = elasticsearch.received
    assert first["raw"] == second["raw"]
    # The second try waited out RETRY_SECONDS rather than spinning on the failing cluster.
    assert time.monotonic() - started >= 0.3
    assert audit_log_discard() == 0


def test_a_backlog_goes_in_bounded_requests_and_stops_at_the_first_failure(
    elasticsearch, monkeypatch
) -> None:
    monkeypatch.setattr(orgs.audit_sinks, "BULK_EVENTS_MAX", 2)
    elasticsearch.script[:] = ["ok", "unavailable"]
    for number in range(5):
        pulled(f"user{number}")
    audit_log_flush()
    assert [len(request["lines"]) // 2 for request in elasticsearch.received] == [2, 2]
    audit_log_flush()
    _, documents = actions_and_documents(elasticsearch.received[2])
    assert [document["performer_name"] for document in documents] == ["user2", "user3"]
    _, documents = actions_and_documents(elasticsearch.received[3])
    assert [document["performer_name"] for document in documents] == ["user4"]


def test_an_unreachable_cluster_keeps_the_events(elasticsearch, settings, caplog) -> None:
    settings.LOGS_MODEL_CONFIG = {"elasticsearch_config": {"host": "127.0.0.1", "port": 9, "use_ssl": False}}
    pulled()
    with caplog.at_level(logging.ERROR, logger="orgs.audit_sinks"):
        audit_log_flush()
    assert "1 events kept to send again" in caplog.text
    assert audit_log_discard() == 1


def test_checkconfig_names_a_cluster_that_does_not_answer(elasticsearch, settings) -> None:
    values = {"LOGS_MODEL": settings.LOGS_MODEL, "LOGS_MODEL_CONFIG": settings.LOGS_MODEL_CONFIG}
    assert list(elasticsearch_problems(values)) == []
    values["LOGS_MODEL_CONFIG"] = {"elasticsearch_config": {"host": "127.0.0.1", "port": 9, "use_ssl": False}}
    [problem] = elasticsearch_problems(values)
    assert problem.startswith(
        "LOGS_MODEL_CONFIG: the audit log's cluster http://127.0.0.1:9/ does not answer"
    )
    assert list(elasticsearch_problems({"LOGS_MODEL": "database", "LOGS_MODEL_CONFIG": {}})) == []


def test_the_database_mode_writes_rows_and_sends_nothing(cluster, alice, settings) -> None:
    assert settings.LOGS_MODEL == "database"
    cluster.received.clear()
    AuditLog.objects.all().delete()
    audit_log_write(kind="user_change_email", performer=alice)
    pulled()
    audit_log_flush()
    assert sorted(AuditLog.objects.values_list("kind", flat=True)) == ["pull_repo", "user_change_email"]
    assert cluster.received == []
