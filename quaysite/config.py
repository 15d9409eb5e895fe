"""Loads the registry's configuration: one YAML file plus environment overrides.

The file comes from ``QUAY_CONFIG``, else ``conf/config.yaml`` when it exists; with neither the
registry runs on its embedded defaults (SQLite and local storage under ``var/``, jobs in-process).
Every key is declared here with its type; an unknown key or a bad value stops start-up with a
message naming it, because a registry that silently ignores a typo in its storage settings
loses data.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import yaml

from quaysite.durations import DURATION

BASE_DIR = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    """A configuration key is unknown or its value is unusable."""


@dataclass(frozen=True)
class Key:
    kind: type | tuple[type, ...]
    default: Any
    env: str | None = None


# Names follow Quay's config.yaml where Quay has the same setting.
KEYS: dict[str, Key] = {
    "SERVER_HOSTNAME": Key(str, "", "QUAY_SERVER_HOSTNAME"),
    "PREFERRED_URL_SCHEME": Key(str, "http", "QUAY_PREFERRED_URL_SCHEME"),
    # A proxy in front terminates TLS and says so in X-Forwarded-Proto (needs scheme https).
    "EXTERNAL_TLS_TERMINATION": Key(bool, False, "QUAY_EXTERNAL_TLS_TERMINATION"),
    # Served directly over TLS (gunicorn's certfile and keyfile, gunicorn.conf.py): the
    # certificate chain and its key, PEM files (`make run TLS=1` makes a self-signed pair).
    "SSL_CERT_PATH": Key(str, "", "QUAY_SSL_CERT_PATH"),
    "SSL_KEY_PATH": Key(str, "", "QUAY_SSL_KEY_PATH"),
    "SECRET_KEY": Key(str, "", "QUAY_SECRET_KEY"),
    "DEBUG": Key(bool, False, "QUAY_DEBUG"),
    "DATA_DIR": Key(str, str(BASE_DIR / "var"), "QUAY_DATA_DIR"),
    "DB_URI": Key(str, "", "DATABASE_URL"),
    "REDIS_URL": Key(str, "", "REDIS_URL"),
    # With Redis: each server process also schedules the periodic jobs (exactly once per period
    # between all schedulers); off where `manage.py scheduler` runs on its own (Kubernetes).
    "PERIODIC_JOBS_IN_SERVER": Key(bool, True, "QUAY_PERIODIC_JOBS_IN_SERVER"),
    "DISTRIBUTED_STORAGE_CONFIG": Key(dict, {}, None),
    # This instance's order of locations to push to and pull from; each instance of a
    # geo-replicated registry sets its own, as a comma or space separated env list.
    "DISTRIBUTED_STORAGE_PREFERENCE": Key(list, [], "QUAY_DISTRIBUTED_STORAGE_PREFERENCE"),
    # Locations every blob must reach (copied in the background while replication is on).
    "DISTRIBUTED_STORAGE_DEFAULT_LOCATIONS": Key(list, [], None),
    "FEATURE_STORAGE_REPLICATION": Key(bool, False, "QUAY_FEATURE_STORAGE_REPLICATION"),
    # Seconds between the replication workers' looks for due copies; the first retry of a failed
    # copy waits REPLICATION_RETRY_SECONDS, doubling per attempt up to an hour.
    "REPLICATION_POLL_PERIOD": Key(int, 10, "QUAY_REPLICATION_POLL_PERIOD"),
    "REPLICATION_RETRY_SECONDS": Key(int, 10, "QUAY_REPLICATION_RETRY_SECONDS"),
    "FEATURE_PROXY_STORAGE": Key(bool, False, "QUAY_FEATURE_PROXY_STORAGE"),
    "FEATURE_ANONYMOUS_ACCESS": Key(bool, True, "QUAY_FEATURE_ANONYMOUS_ACCESS"),
    "SUPER_USERS": Key(list, [], None),
    "REGISTRY_TITLE": Key(str, "Quaysite", None),
    "ALLOWED_HOSTS": Key(list, ["*"], None),
    # Load balancers and proxies (addresses or networks) whose X-Forwarded-For names the client.
    "TRUSTED_PROXIES": Key(list, [], None),
    # /metrics: the addresses that read it without credentials (loopback unless configured;
    # [] for none, ["0.0.0.0/0", "::/0"] for all), and whether a superuser's bearer token (scope
    # super:user) reads it from anywhere else.
    "METRICS_ALLOWED_NETWORKS": Key(list, ["127.0.0.0/8", "::1/128"], None),
    "METRICS_SUPERUSER_ACCESS": Key(bool, True, "QUAY_METRICS_SUPERUSER_ACCESS"),
    "REGISTRY_TOKEN_LIFETIME": Key(int, 3600, "QUAY_REGISTRY_TOKEN_LIFETIME"),
    # How stale a process's view of a token's credentials may be: revocation ends a token within it.
    "REGISTRY_TOKEN_RECHECK_SECONDS": Key(int, 5, "QUAY_REGISTRY_TOKEN_RECHECK_SECONDS"),
    "MAXIMUM_MANIFEST_SIZE": Key(int, 4 * 1024 * 1024, None),
    "LOG_LEVEL": Key(str, "INFO", "QUAY_LOG_LEVEL"),
    "FEATURE_USER_CREATION": Key(bool, True, "QUAY_FEATURE_USER_CREATION"),
    "FEATURE_SUPERUSERS_FULL_ACCESS": Key(bool, False, "QUAY_FEATURE_SUPERUSERS_FULL_ACCESS"),
    "FEATURE_SUPERUSERS_ORG_CREATION_ONLY": Key(bool, False, "QUAY_FEATURE_SUPERUSERS_ORG_CREATION_ONLY"),
    "FEATURE_APP_SPECIFIC_TOKENS": Key(bool, True, "QUAY_FEATURE_APP_SPECIFIC_TOKENS"),
    # The time machine: how long ended tags stay restorable (namespaces choose among the options).
    "DEFAULT_TAG_EXPIRATION": Key(str, "2w", "QUAY_DEFAULT_TAG_EXPIRATION"),
    "TAG_EXPIRATION_OPTIONS": Key(list, ["0s", "1d", "1w", "2w", "4w"], None),
    # "readonly" for maintenance: pulls and reads go on, every write is refused.
    "REGISTRY_STATE": Key(str, "normal", "QUAY_REGISTRY_STATE"),
    # Lets a tag be taken out of the time machine at once (then GC may delete it).
    "PERMANENTLY_DELETE_TAGS": Key(bool, False, "QUAY_PERMANENTLY_DELETE_TAGS"),
    # Garbage collection: an uploaded or mounted blob, and a manifest pushed without a tag, stay
    # this long unreferenced so a push in progress can still reference them (Quay: one hour).
    "PUSH_TEMP_TAG_EXPIRATION_SEC": Key(int, 3600, "QUAY_PUSH_TEMP_TAG_EXPIRATION_SEC"),
    # Seconds between periodic GC passes over the repositories that changed or whose ended
    # rows just left the time machine (Quay's name and default).
    "GARBAGE_COLLECTION_FREQUENCY": Key(int, 30, "QUAY_GARBAGE_COLLECTION_FREQUENCY"),
    # Upload sessions idle this many days are dropped with their partial data (Quay: 2 days).
    "BLOBUPLOAD_DELETION_DATE_THRESHOLD": Key(int, 2, "QUAY_BLOBUPLOAD_DELETION_DATE_THRESHOLD"),
    # Quota management (Quay's names): sizes are kept and limits enforced only while it is on; a
    # namespace without a quota of its own is refused pushes past the default (0: no default).
    "FEATURE_QUOTA_MANAGEMENT": Key(bool, False, "QUAY_FEATURE_QUOTA_MANAGEMENT"),
    "DEFAULT_SYSTEM_REJECT_QUOTA_BYTES": Key(int, 0, "QUAY_DEFAULT_SYSTEM_REJECT_QUOTA_BYTES"),
    # Seconds between the auto-prune worker's runs (Quay's name and default); a namespace is
    # pruned at most once per period.
    "AUTO_PRUNING_POLL_PERIOD": Key(int, 30, "QUAY_AUTO_PRUNING_POLL_PERIOD"),
    # Seconds between the mirror workers' looks for due mirrors (Quay's name); a look with none
    # due is one indexed query.
    "REPO_MIRROR_INTERVAL": Key(int, 10, "QUAY_REPO_MIRROR_INTERVAL"),
    # E-mail (Quay's names): the SMTP server notifications are sent through.
    "MAIL_SERVER": Key(str, "localhost", "QUAY_MAIL_SERVER"),
    "MAIL_PORT": Key(int, 587, "QUAY_MAIL_PORT"),
    "MAIL_USE_TLS": Key(bool, True, "QUAY_MAIL_USE_TLS"),
    "MAIL_USERNAME": Key(str, "", "QUAY_MAIL_USERNAME"),
    "MAIL_PASSWORD": Key(str, "", "QUAY_MAIL_PASSWORD"),
    "MAIL_DEFAULT_SENDER": Key(str, "quay@localhost", "QUAY_MAIL_DEFAULT_SENDER"),
    # Notifications: deliveries that ran out of attempts in a row before a notification is
    # disabled (Quay's name and default); attempts per delivery, the first retry's delay in
    # seconds (it doubles per attempt), the connect and read timeout of one send (Quay's name),
    # and how often the worker looks for retries that are due.
    "NOTIFICATION_FAILURE_LIMIT": Key(int, 3, "QUAY_NOTIFICATION_FAILURE_LIMIT"),
    "NOTIFICATION_DELIVERY_ATTEMPTS": Key(int, 5, "QUAY_NOTIFICATION_DELIVERY_ATTEMPTS"),
    "NOTIFICATION_RETRY_SECONDS": Key(int, 30, "QUAY_NOTIFICATION_RETRY_SECONDS"),
    "NOTIFICATION_SEND_TIMEOUT": Key(int, 10, "QUAY_NOTIFICATION_SEND_TIMEOUT"),
    "NOTIFICATION_POLL_PERIOD": Key(int, 10, "QUAY_NOTIFICATION_POLL_PERIOD"),
    # Lets webhooks reach loopback, private, link-local and metadata addresses (tests, labs).
    "NOTIFICATION_ALLOW_PRIVATE_TARGETS": Key(bool, False, "QUAY_NOTIFICATION_ALLOW_PRIVATE_TARGETS"),
    # Vulnerability scanning (Quay's names): on by default with the built-in indexer and matcher;
    # a Clair v4 endpoint (and its base64 pre-shared key) makes Clair the scanner. The worker
    # looks for queued manifests every SECURITY_SCANNER_INDEXING_INTERVAL seconds; a first scan
    # reports vulnerability_found for findings at NOTIFICATION_MIN_SEVERITY_ON_NEW_INDEX or worse.
    "FEATURE_SECURITY_SCANNER": Key(bool, True, "QUAY_FEATURE_SECURITY_SCANNER"),
    "SECURITY_SCANNER_V4_ENDPOINT": Key(str, "", "QUAY_SECURITY_SCANNER_V4_ENDPOINT"),
    "SECURITY_SCANNER_V4_PSK": Key(str, "", "QUAY_SECURITY_SCANNER_V4_PSK"),
    "SECURITY_SCANNER_INDEXING_INTERVAL": Key(int, 30, "QUAY_SECURITY_SCANNER_INDEXING_INTERVAL"),
    "FEATURE_SECURITY_SCANNER_NOTIFY_ON_NEW_INDEX": Key(
        bool, True, "QUAY_FEATURE_SECURITY_SCANNER_NOTIFY_ON_NEW_INDEX"
    ),
    "NOTIFICATION_MIN_SEVERITY_ON_NEW_INDEX": Key(str, "High", "QUAY_NOTIFICATION_MIN_SEVERITY_ON_NEW_INDEX"),
    # Dockerfile builds (Quay's FEATURE_BUILD_SUPPORT and DEFAULT_NAMESPACE_MAXIMUM_BUILD_COUNT:
    # builds not yet ended a namespace may hold, None for no cap). BUILD_EXECUTOR: "local" runs
    # buildah on this machine, "kubernetes" a Job per build. A build running longer than
    # BUILD_TIMEOUT seconds expires; one whose executor gave no sign of life for
    # BUILD_HEARTBEAT_TIMEOUT seconds is started again, at most BUILD_MAX_ATTEMPTS times in all.
    # BUILD_ALLOW_LOCAL_SOURCES lets git sources be file:// URLs (tests, labs).
    "FEATURE_BUILD_SUPPORT": Key(bool, True, "QUAY_FEATURE_BUILD_SUPPORT"),
    "DEFAULT_NAMESPACE_MAXIMUM_BUILD_COUNT": Key((int, type(None)), None, None),
    "BUILD_EXECUTOR": Key(str, "local", "QUAY_BUILD_EXECUTOR"),
    "BUILD_TIMEOUT": Key(int, 3600, "QUAY_BUILD_TIMEOUT"),
    "BUILD_HEARTBEAT_TIMEOUT": Key(int, 120, "QUAY_BUILD_HEARTBEAT_TIMEOUT"),
    "BUILD_MAX_ATTEMPTS": Key(int, 3, "QUAY_BUILD_MAX_ATTEMPTS"),
    "BUILD_ALLOW_LOCAL_SOURCES": Key(bool, False, "QUAY_BUILD_ALLOW_LOCAL_SOURCES"),
    # Encrypts secrets kept in the database (mirror credentials, trigger secrets); the old keys
    # still decrypt what was written before a rotation.
    "DATABASE_SECRET_KEY": Key(str, "", "QUAY_DATABASE_SECRET_KEY"),
    "DATABASE_SECRET_KEYS_OLD": Key(list, [], None),
    # Live build logs: the port on which `make run` serves the websockets (the ASGI application)
    # beside gunicorn, on the same host; 0 serves none there, for a deployment that routes /ws/
    # to ASGI instances by path on the registry's own origin.
    "WEBSOCKET_PORT": Key(int, 0, "QUAY_WEBSOCKET_PORT"),
    # The Kubernetes build executor, with the keys of Quay's kubernetes executor
    # (KUBERNETES_EXECUTOR_KEYS): namespace, builder image, API server and credentials, resources.
    "KUBERNETES_EXECUTOR_CONFIG": Key(dict, {}, None),
    # Where the audit log goes (Quay's names): "database" (the AuditLog table) or
    # "elasticsearch" (an Elasticsearch or OpenSearch cluster, one index per day, written in
    # batches with the _bulk API; the table then gets no rows), configured by
    # LOGS_MODEL_CONFIG: {"elasticsearch_config": {"host", "port", "index_prefix", "use_ssl",
    # "access_key" and "secret_key", or "user" and "password"}}.
    "LOGS_MODEL": Key(str, "database", "QUAY_LOGS_MODEL"),
    "LOGS_MODEL_CONFIG": Key(dict, {}, None),
}

# The keys of LOGS_MODEL_CONFIG's elasticsearch_config and their types (orgs/audit_sinks.py).
ELASTICSEARCH_CONFIG_KEYS: dict[str, type] = {
    "host": str,
    "port": int,
    "index_prefix": str,
    "use_ssl": bool,
    "access_key": str,
    "secret_key": str,
    "user": str,
    "password": str,
}

# The keys KUBERNETES_EXECUTOR_CONFIG takes (builds/executors/kubernetes.py reads them).
KUBERNETES_EXECUTOR_KEYS = {
    "BUILDER_NAMESPACE": str,
    "BUILDER_CONTAINER_IMAGE": str,
    "K8S_API_SERVER": str,
    "K8S_API_TLS_CA": str,
    "K8S_API_TLS_CERT": str,
    "K8S_API_TLS_KEY": str,
    "SERVICE_ACCOUNT_TOKEN": str,
    "K8S_API_TIMEOUT": int,
    "SERVICE_ACCOUNT_NAME": str,
    "IMAGE_PULL_SECRET_NAME": str,
    "CONTAINER_MEMORY_REQUEST": str,
    "CONTAINER_MEMORY_LIMITS": str,
    "CONTAINER_CPU_REQUEST": str,
    "CONTAINER_CPU_LIMITS": str,
    "VOLUME_SIZE": str,
    "NODE_SELECTOR_LABEL_KEY": str,
    "NODE_SELECTOR_LABEL_VALUE": str,
    "MAXIMUM_JOB_TIME": int,
    "RETENTION_AFTER_FINISHED": int,
    "REGISTRY_URL": str,
}


def _coerce_env(name: str, key: Key, raw: str) -> Any:
    if key.kind is bool:
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"environment variable {key.env} for {name}: {raw!r} is not a boolean")
    if key.kind is list:
        return raw.replace(",", " ").split()
    if key.kind is int:
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(
                f"environment variable {key.env} for {name}: {raw!r} is not an integer"
            ) from None
    return raw


def _check_type(name: str, key: Key, value: Any) -> Any:
    # bool is a subclass of int: a YAML "true" must not pass as a number.
    if key.kind is int and isinstance(value, bool):
        raise ConfigError(f"config key {name}: expected an integer, got {value!r}")
    if not isinstance(value, key.kind):
        expected = key.kind.__name__ if isinstance(key.kind, type) else str(key.kind)
        raise ConfigError(f"config key {name}: expected {expected}, got {type(value).__name__} {value!r}")
    return value


def config_file_path(environ: dict[str, str]) -> Path | None:
    explicit = environ.get("QUAY_CONFIG")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"QUAY_CONFIG names {explicit}, which is not a file")
        return path
    default = BASE_DIR / "conf" / "config.yaml"
    return default if default.is_file() else None


def config_problems(environ: dict[str, str] | None = None) -> tuple[dict[str, Any], list[str]]:
    """The configuration and every problem in it, one message per problem, each naming its key:
    unknown keys, values of the wrong type, bad environment overrides and broken rules."""
    environ = dict(os.environ if environ is None else environ)
    values = {name: key.default for name, key in KEYS.items()}
    problems: list[str] = []
    try:
        path = config_file_path(environ)
    except ConfigError as problem:
        return values, [str(problem)]
    if path is not None:
        try:
            loaded = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as exc:
            return values, [f"{path}: not valid YAML: {exc}"]
        if not isinstance(loaded, dict):
            return values, [f"{path}: the top level must be a mapping of keys to values"]
        for name, value in loaded.items():
            if name not in KEYS:
                problems.append(f"{path}: unknown config key {name!r}")
                continue
            try:
                values[name] = _check_type(name, KEYS[name], value)
            except ConfigError as problem:
                problems.append(str(problem))
    for name, key in KEYS.items():
        if key.env and key.env in environ:
            try:
                values[name] = _coerce_env(name, key, environ[key.env])
            except ConfigError as problem:
                problems.append(str(problem))
    problems.extend(_rule_problems(values))
    return values, problems


def load_config(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """The configuration; any problem stops start-up with all of them listed (`manage.py
    checkconfig` prints the same list, and checks that the services it names answer)."""
    values, problems = config_problems(environ)
    if len(problems) == 1:
        raise ConfigError(problems[0])
    if problems:
        raise ConfigError(
            f"{len(problems)} configuration problems:\n" + "\n".join(f"  {p}" for p in problems)
        )
    return values


# Quay's vulnerability severities, most severe first.
_SEVERITIES = ("Critical", "High", "Medium", "Low", "Negligible", "Unknown")


def _scanner_problems(values: dict[str, Any]) -> Iterator[str]:
    if values["SECURITY_SCANNER_INDEXING_INTERVAL"] < 1:
        yield "SECURITY_SCANNER_INDEXING_INTERVAL must be at least 1 (seconds)"
    if values["NOTIFICATION_MIN_SEVERITY_ON_NEW_INDEX"] not in _SEVERITIES:
        yield "NOTIFICATION_MIN_SEVERITY_ON_NEW_INDEX must be one of " + ", ".join(_SEVERITIES)
    endpoint = values["SECURITY_SCANNER_V4_ENDPOINT"]
    if endpoint and urlsplit(endpoint).scheme not in ("http", "https"):
        yield "SECURITY_SCANNER_V4_ENDPOINT must be an http:// or https:// URL"
    if values["SECURITY_SCANNER_V4_PSK"]:
        try:
            base64.b64decode(values["SECURITY_SCANNER_V4_PSK"], validate=True)
        except ValueError:
            yield "SECURITY_SCANNER_V4_PSK must be base64, as Quay's is"


def _tls_problems(values: dict[str, Any]) -> Iterator[str]:
    cert, key = values["SSL_CERT_PATH"], values["SSL_KEY_PATH"]
    if bool(cert) != bool(key):
        yield "SSL_CERT_PATH and SSL_KEY_PATH: give both or neither"
        return
    if not cert:
        return
    for name, path in (("SSL_CERT_PATH", cert), ("SSL_KEY_PATH", key)):
        if not Path(path).is_file():
            yield f"{name}: {path} is not a readable file"
    # Token realms and the web UI's links are built with the scheme clients reach us by.
    if values["PREFERRED_URL_SCHEME"] != "https":
        yield "SSL_CERT_PATH: serving TLS directly needs PREFERRED_URL_SCHEME: https"


_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _rule_problems(values: dict[str, Any]) -> Iterator[str]:
    """Each cross-field rule or value range broken, one message each, naming its key."""
    if values["DB_URI"]:
        try:
            database_from_url(values["DB_URI"])
        except ConfigError as problem:
            yield f"DB_URI: {problem}"
    if values["REDIS_URL"] and urlsplit(values["REDIS_URL"]).scheme not in ("redis", "rediss", "unix"):
        yield f"REDIS_URL: {values['REDIS_URL']!r} is not a redis:// URL"
    if values["REGISTRY_STATE"] not in ("normal", "readonly"):
        yield f"REGISTRY_STATE: {values['REGISTRY_STATE']!r} is not 'normal' or 'readonly'"
    if values["PREFERRED_URL_SCHEME"] not in ("http", "https"):
        yield "PREFERRED_URL_SCHEME must be http or https"
    if values["EXTERNAL_TLS_TERMINATION"] and values["PREFERRED_URL_SCHEME"] != "https":
        yield "EXTERNAL_TLS_TERMINATION: true needs PREFERRED_URL_SCHEME: https"
    yield from _tls_problems(values)
    for name, options in (
        ("DEFAULT_TAG_EXPIRATION", [values["DEFAULT_TAG_EXPIRATION"]]),
        ("TAG_EXPIRATION_OPTIONS", values["TAG_EXPIRATION_OPTIONS"]),
    ):
        for option in options:
            if not DURATION.fullmatch(str(option)):
                yield f"{name}: tag expiration {option!r}: expected a duration like 2w, 3d, 6h or 0s"
    if values["LOG_LEVEL"] not in _LOG_LEVELS:
        yield f"LOG_LEVEL: {values['LOG_LEVEL']!r} is not one of {', '.join(_LOG_LEVELS)}"
    for name in (
        "SUPER_USERS",
        "ALLOWED_HOSTS",
        "DISTRIBUTED_STORAGE_PREFERENCE",
        "DATABASE_SECRET_KEYS_OLD",
    ):
        for item in values[name]:
            if not isinstance(item, str):
                yield f"{name}: {item!r} is not a string"
    for location, spec in values["DISTRIBUTED_STORAGE_CONFIG"].items():
        if not (
            isinstance(spec, list)
            and len(spec) == 2
            and isinstance(spec[0], str)
            and isinstance(spec[1], dict)
        ):
            yield (
                f"DISTRIBUTED_STORAGE_CONFIG: location {location!r}: "
                f"expected [DriverName, {{options}}], got {spec!r}"
            )
    if values["DEFAULT_TAG_EXPIRATION"] not in values["TAG_EXPIRATION_OPTIONS"]:
        yield "DEFAULT_TAG_EXPIRATION must be one of TAG_EXPIRATION_OPTIONS"
    if values["PUSH_TEMP_TAG_EXPIRATION_SEC"] < 0:
        yield "PUSH_TEMP_TAG_EXPIRATION_SEC must not be negative"
    if values["GARBAGE_COLLECTION_FREQUENCY"] < 1:
        yield "GARBAGE_COLLECTION_FREQUENCY must be at least 1 (seconds)"
    if values["AUTO_PRUNING_POLL_PERIOD"] < 1:
        yield "AUTO_PRUNING_POLL_PERIOD must be at least 1 (seconds)"
    if values["REPO_MIRROR_INTERVAL"] < 1:
        yield "REPO_MIRROR_INTERVAL must be at least 1 (seconds)"
    for name in (
        "NOTIFICATION_FAILURE_LIMIT",
        "NOTIFICATION_DELIVERY_ATTEMPTS",
        "NOTIFICATION_RETRY_SECONDS",
        "NOTIFICATION_SEND_TIMEOUT",
        "NOTIFICATION_POLL_PERIOD",
        "REPLICATION_POLL_PERIOD",
        "REPLICATION_RETRY_SECONDS",
    ):
        if values[name] < 1:
            yield f"{name} must be at least 1"
    if values["BUILD_EXECUTOR"] not in ("local", "kubernetes"):
        yield f"BUILD_EXECUTOR: {values['BUILD_EXECUTOR']!r} is not 'local' or 'kubernetes'"
    for name in ("BUILD_TIMEOUT", "BUILD_HEARTBEAT_TIMEOUT", "BUILD_MAX_ATTEMPTS"):
        if values[name] < 1:
            yield f"{name} must be at least 1"
    build_cap = values["DEFAULT_NAMESPACE_MAXIMUM_BUILD_COUNT"]
    if isinstance(build_cap, bool) or build_cap is not None and build_cap < 0:
        yield "DEFAULT_NAMESPACE_MAXIMUM_BUILD_COUNT must be a whole number or null"
    yield from _scanner_problems(values)
    if not 0 < values["MAIL_PORT"] < 65536:
        yield "MAIL_PORT must be a TCP port (1 to 65535)"
    if values["BLOBUPLOAD_DELETION_DATE_THRESHOLD"] < 1:
        yield "BLOBUPLOAD_DELETION_DATE_THRESHOLD must be at least 1 (days)"
    if values["REGISTRY_TOKEN_LIFETIME"] < 60:
        yield "REGISTRY_TOKEN_LIFETIME must be at least 60 seconds"
    if not 0 <= values["REGISTRY_TOKEN_RECHECK_SECONDS"] <= 60:
        yield "REGISTRY_TOKEN_RECHECK_SECONDS must be between 0 and 60 seconds"
    for name in ("TRUSTED_PROXIES", "METRICS_ALLOWED_NETWORKS"):
        for network in values[name]:
            try:
                ipaddress.ip_network(str(network), strict=False)
            except ValueError:
                yield f"{name}: {network!r} is not an IP address or network"
    if not 0 <= values["WEBSOCKET_PORT"] < 65536:
        yield "WEBSOCKET_PORT must be a TCP port (1 to 65535), or 0 for none"
    yield from _kubernetes_executor_problems(values["KUBERNETES_EXECUTOR_CONFIG"])
    yield from _storage_problems(values)
    yield from _logs_model_problems(values)


# Quay's rule for an index prefix: no capitals or characters an index name refuses, and no
# leading "-", "_" or "+".
_INDEX_PREFIX = re.compile(r"^(?![-_+])[^A-Z:/*?\"<>|,# \\]{1,200}$")


_TYPE_NAMES = {str: "string", int: "number", bool: "boolean (true or false)"}


def _logs_model_problems(values: dict[str, Any]) -> Iterator[str]:
    model, config = values["LOGS_MODEL"], values["LOGS_MODEL_CONFIG"]
    if model not in ("database", "elasticsearch"):
        yield f"LOGS_MODEL must be database or elasticsearch, not {model!r}"
        return
    for name in config:
        if name not in ("producer", "elasticsearch_config"):
            yield f"LOGS_MODEL_CONFIG: unknown key {name!r} (known: producer, elasticsearch_config)"
    if config.get("producer", "elasticsearch") != "elasticsearch":
        yield "LOGS_MODEL_CONFIG: producer must be elasticsearch (the only one supported here)"
    if model != "elasticsearch":
        return
    elastic = config.get("elasticsearch_config")
    if not isinstance(elastic, dict) or not elastic.get("host"):
        yield "LOGS_MODEL elasticsearch needs LOGS_MODEL_CONFIG.elasticsearch_config.host"
        return
    for name, value in elastic.items():
        kind = ELASTICSEARCH_CONFIG_KEYS.get(name)
        if kind is None:
            yield (
                f"LOGS_MODEL_CONFIG.elasticsearch_config: unknown key {name!r} "
                f"(known: {', '.join(ELASTICSEARCH_CONFIG_KEYS)})"
            )
        elif not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            yield f"LOGS_MODEL_CONFIG.elasticsearch_config.{name} must be a {_TYPE_NAMES[kind]}"
    port = elastic.get("port")
    if isinstance(port, int) and not 0 < port < 65536:
        yield "LOGS_MODEL_CONFIG.elasticsearch_config.port must be a TCP port (1 to 65535)"
    prefix = elastic.get("index_prefix", "logentry_")
    if isinstance(prefix, str) and not _INDEX_PREFIX.match(prefix):
        yield (
            f"LOGS_MODEL_CONFIG.elasticsearch_config.index_prefix {prefix!r} is not a valid index "
            'name start (lower case, none of :/*?"<>|,# and no leading -, _ or +)'
        )
    for first, second in (("access_key", "secret_key"), ("user", "password")):
        if bool(elastic.get(first)) != bool(elastic.get(second)):
            yield f"LOGS_MODEL_CONFIG.elasticsearch_config: give {first} and {second} together"
    if elastic.get("access_key") and elastic.get("user"):
        yield "LOGS_MODEL_CONFIG.elasticsearch_config: give access_key/secret_key or user/password, not both"


def _storage_problems(values: dict[str, Any]) -> Iterator[str]:
    configured = values["DISTRIBUTED_STORAGE_CONFIG"]
    for name in ("DISTRIBUTED_STORAGE_PREFERENCE", "DISTRIBUTED_STORAGE_DEFAULT_LOCATIONS"):
        for location in values[name]:
            if not isinstance(location, str) or location not in configured:
                yield (
                    f"{name} names {location!r}, which DISTRIBUTED_STORAGE_CONFIG does not define"
                    + (f" (defined: {', '.join(configured)})" if configured else "")
                )
        if len({str(location) for location in values[name]}) != len(values[name]):
            yield f"{name} names a location twice: {values[name]!r}"
    if values["FEATURE_STORAGE_REPLICATION"]:
        if not configured:
            yield "FEATURE_STORAGE_REPLICATION needs the locations of DISTRIBUTED_STORAGE_CONFIG"
        if not values["DISTRIBUTED_STORAGE_DEFAULT_LOCATIONS"]:
            yield (
                "FEATURE_STORAGE_REPLICATION needs DISTRIBUTED_STORAGE_DEFAULT_LOCATIONS: "
                "the locations every blob is copied to"
            )


def _kubernetes_executor_problems(config: dict[str, Any]) -> Iterator[str]:
    for name, value in config.items():
        kind = KUBERNETES_EXECUTOR_KEYS.get(name)
        if kind is None:
            yield f"KUBERNETES_EXECUTOR_CONFIG: unknown key {name!r}"
        elif not isinstance(value, kind) or isinstance(value, bool):
            yield f"KUBERNETES_EXECUTOR_CONFIG: {name} must be a {kind.__name__}"


# URL parts that Django keeps in its own keys; the rest of libpq's options go to OPTIONS.
_DJANGO_DATABASE_KEYS = {
    "host": "HOST",
    "port": "PORT",
    "user": "USER",
    "password": "PASSWORD",
    "dbname": "NAME",
}


def _libpq_options() -> set[str]:
    # The installed libpq's own list, so a newer libpq's options are accepted without a change here.
    from psycopg import pq

    return {option.keyword.decode() for option in pq.Conninfo.get_defaults()}


def _postgres_query_options(url: str, query: str, database: dict[str, Any]) -> dict[str, str]:
    """``?sslmode=verify-full&connect_timeout=5``: every libpq option; any other stops start-up."""
    pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=False)
    known = _libpq_options()
    unknown = sorted({name for name, _ in pairs if name not in known})
    if unknown:
        raise ConfigError(
            f"database URL {_url_without_password(url)!r}: unknown libpq option(s) {', '.join(unknown)}"
        )
    options: dict[str, str] = {}
    for name, value in pairs:
        if name in options or (name in _DJANGO_DATABASE_KEYS and database[_DJANGO_DATABASE_KEYS[name]]):
            raise ConfigError(f"database URL {_url_without_password(url)!r}: {name} is given twice")
        if name in _DJANGO_DATABASE_KEYS:
            # ?host=/run/postgresql: a socket directory, which the URL's authority cannot carry.
            database[_DJANGO_DATABASE_KEYS[name]] = value
        else:
            options[name] = value
    return options


def _url_without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def database_from_url(url: str) -> dict[str, Any]:
    """Turns ``postgresql://user:pass@host:port/name?libpq-options`` or ``sqlite:///path`` into
    Django's form."""
    parts = urlsplit(url)
    if parts.scheme in ("postgres", "postgresql"):
        try:
            port = parts.port
        except ValueError:
            raise ConfigError(
                f"database URL {_url_without_password(url)!r}: the port is not a number"
            ) from None
        database: dict[str, Any] = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            # Persistent connections without a health-check SELECT per request: a broken one
            # fails one request and is then replaced, as Django closes connections that errored.
            "CONN_MAX_AGE": 300,
        }
        options = _postgres_query_options(url, parts.query, database)
        if not database["NAME"]:
            raise ConfigError(f"database URL {_url_without_password(url)!r} names no database")
        # Server-side binding lets psycopg prepare the statements a connection repeats: the
        # pull path's joins then skip PostgreSQL's planner, most of their cost.
        database["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 2, **options}
        return database
    if parts.scheme == "sqlite":
        path = parts.path[1:] if parts.path.startswith("//") else parts.path
        if not path:
            raise ConfigError(f"database URL {url!r} names no file")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path}
    raise ConfigError(
        f"database URL {_url_without_password(url)!r}: only postgresql:// and sqlite:/// are supported"
    )
