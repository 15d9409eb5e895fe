"""Where the audit log's buffered events go: the database (the default) or a search cluster.

``LOGS_MODEL: elasticsearch`` (Quay's key) sends them to Elasticsearch or OpenSearch instead of
the AuditLog table, as Quay does: one index per day, ``<index_prefix><YYYY-MM-DD>``, so old days
are dropped whole; each batch is one ``_bulk`` request of NDJSON. Documents carry Quay's field
names (``random_id``, ``account_id``, ``performer_id``, ``repository_id``, ``ip``,
``metadata_json``, ``datetime``) plus the kind and the names, which Quay keeps in other tables.

A document's ``_id`` is its random id, so a batch sent again after a timeout overwrites what
arrived instead of doubling it. A failed request (no answer, an HTTP error) and the items a
cluster refuses for now (429, 5xx) are handed back to be sent again later; items refused for
good (a 4xx such as a mapping error) are logged with the cluster's reason and not sent again.
"""

from __future__ import annotations

import base64
import json
import logging
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from datetime import UTC
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orgs.audit import _Event

logger = logging.getLogger(__name__)

DEFAULT_INDEX_PREFIX = "logentry_"
INDEX_DATE_FORMAT = "%Y-%m-%d"
REQUEST_TIMEOUT_SECONDS = 10.0
# Events per _bulk request: a backlog kept through an outage goes in requests of a few hundred
# kilobytes, well under a cluster's http.max_content_length.
BULK_EVENTS_MAX = 1000

# Namespace ids by name, repository ids by (namespace id, name), performer ids that exist.
Resolver = Callable[["list[_Event]"], tuple[dict[str, int], dict[tuple[int | None, str], int], set[int]]]


class AuditSink(ABC):
    # Whether a request that fills the buffer writes it itself (the database: a bounded wait);
    # a remote cluster that is down would hold every such request for its timeout.
    request_may_write = True

    @abstractmethod
    def write(self, events: list[_Event]) -> list[_Event]:
        """Writes ``events``; returns those to try again later (none: all written or given up)."""


class ElasticsearchSink(AuditSink):
    request_may_write = False

    def __init__(
        self,
        *,
        host: str,
        port: int | None = None,
        use_ssl: bool = True,
        index_prefix: str = DEFAULT_INDEX_PREFIX,
        user: str = "",
        password: str = "",
        resolve: Resolver,
    ) -> None:
        scheme = "https" if use_ssl else "http"
        self.root = f"{scheme}://{host}:{port or 9200}/"
        self.url = self.root + "_bulk"
        self.index_prefix = index_prefix
        self.headers = {"Content-Type": "application/x-ndjson", "Accept": "application/json"}
        if user:
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            self.headers["Authorization"] = f"Basic {token}"
        self.resolve = resolve

    def ping(self) -> str | None:
        """None when the cluster answers its root with its name and version, else the problem."""
        request = urllib.request.Request(
            self.root, headers={**self.headers, "Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:
                answer = json.load(response)
        except urllib.error.HTTPError as error:
            return f"HTTP {error.code} from {self.root}"
        except (OSError, ValueError) as error:
            return f"{self.root} does not answer: {error}"
        if not isinstance(answer, dict) or "version" not in answer:
            return f"{self.root} does not answer as Elasticsearch or OpenSearch does"
        return None

    def index_name(self, event: _Event) -> str:
        return self.index_prefix + event.created.astimezone(UTC).strftime(INDEX_DATE_FORMAT)

    def document(
        self,
        event: _Event,
        ids: tuple[dict[str, int], dict[tuple[int | None, str], int], set[int]],
    ) -> dict[str, Any]:
        namespaces, repositories, performers = ids
        namespace_id = namespaces.get(event.namespace_name)
        return {
            "random_id": event.random_id,
            "kind": event.kind,
            "account_id": namespace_id,
            "namespace_name": event.namespace_name,
            "performer_id": event.performer_id if event.performer_id in performers else None,
            "performer_name": event.performer_name,
            "repository_id": repositories.get((namespace_id, event.repository_name)),
            "repository_name": event.repository_name,
            "credential": event.credential,
            "ip": event.ip,
            "metadata_json": json.dumps(event.metadata, sort_keys=True, default=str),
            "datetime": event.created.astimezone(UTC).isoformat(),
        }

    def body(self, events: list[_Event]) -> bytes:
        try:
            ids = self.resolve(events)
        except Exception:
            # The documents keep the names; ids are a convenience a database outage must not
            # cost the records.
            logger.exception("could not resolve the audit log events' ids; sending names only")
            ids = ({}, {}, set())
        lines = []
        for event in events:
            action = {"index": {"_index": self.index_name(event), "_id": event.random_id}}
            lines.append(json.dumps(action))
            lines.append(json.dumps(self.document(event, ids)))
        return ("\n".join(lines) + "\n").encode()

    def write(self, events: list[_Event]) -> list[_Event]:
        retry: list[_Event] = []
        for start in range(0, len(events), BULK_EVENTS_MAX):
            chunk = events[start : start + BULK_EVENTS_MAX]
            unsent = self._bulk(chunk)
            if unsent is chunk:
                # The cluster is down or refusing: the rest would fail too.
                return retry + events[start:]
            retry.extend(unsent)
        return retry

    def _bulk(self, events: list[_Event]) -> list[_Event]:
        """One _bulk request; returns ``events`` itself when the request failed as a whole."""
        request = urllib.request.Request(self.url, data=self.body(events), headers=self.headers)
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:
                answer = json.load(response)
        except urllib.error.HTTPError as error:
            logger.error(
                "the audit log's bulk request got HTTP %s: %s; %d events kept to send again",
                error.code,
                error.read(2000).decode(errors="replace"),
                len(events),
            )
            return events
        except (OSError, ValueError) as error:
            logger.error(
                "the audit log's bulk request failed (%s); %d events kept to send again",
                error,
                len(events),
            )
            return events
        if not answer.get("errors"):
            return []
        return self._items_to_retry(events, answer.get("items") or [])

    def _items_to_retry(self, events: list[_Event], items: list[dict]) -> list[_Event]:
        if len(items) != len(events):
            logger.error(
                "the bulk answer names %d items for %d events; sending all again", len(items), len(events)
            )
            return events
        retry = []
        for event, item in zip(events, items, strict=True):
            result: dict[str, Any] = next(iter(item.values()), {})
            status = result.get("status", 500)
            if status < 300:
                continue
            if status == 429 or status >= 500:
                retry.append(event)
            else:
                logger.error(
                    "the cluster refused audit log event %s (%s) for good: HTTP %s %s",
                    event.random_id,
                    event.kind,
                    status,
                    json.dumps(result.get("error")),
                )
        if retry:
            logger.error("the cluster refused %d audit log events for now; kept to send again", len(retry))
        return retry


def elasticsearch_sink(config: dict[str, Any], *, resolve: Resolver) -> ElasticsearchSink:
    """The sink LOGS_MODEL_CONFIG's elasticsearch_config describes (quaysite/config.py checked it)."""
    elastic = config["elasticsearch_config"]
    return ElasticsearchSink(
        host=elastic["host"],
        port=elastic.get("port"),
        use_ssl=elastic.get("use_ssl", True),
        index_prefix=elastic.get("index_prefix", DEFAULT_INDEX_PREFIX),
        # Quay sends an access key and secret key as basic credentials when no AWS region is set.
        user=elastic.get("user") or elastic.get("access_key", ""),
        password=elastic.get("password") or elastic.get("secret_key", ""),
        resolve=resolve,
    )


def elasticsearch_problems(values: dict[str, Any]) -> Iterator[str]:
    """`manage.py checkconfig`'s check that the configured cluster answers."""
    if values["LOGS_MODEL"] != "elasticsearch":
        return
    problem = elasticsearch_sink(values["LOGS_MODEL_CONFIG"], resolve=lambda events: ({}, {}, set())).ping()
    if problem:
        yield f"LOGS_MODEL_CONFIG: the audit log's cluster {problem}"
