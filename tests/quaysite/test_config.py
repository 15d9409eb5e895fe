"""Configuration: one YAML file plus environment overrides; mistakes stop start-up by name."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from quaysite.config import ConfigError, load_config
from registry.storage import driver_build
from registry.storage.base import StorageConfigError

ROOT = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return {"QUAY_CONFIG": str(path)}


def test_no_configuration_gives_the_embedded_defaults():
    config = load_config({})
    assert config["DB_URI"] == ""
    assert config["REDIS_URL"] == ""
    assert config["DISTRIBUTED_STORAGE_CONFIG"] == {}
    assert (config["PUSH_TEMP_TAG_EXPIRATION_SEC"], config["BLOBUPLOAD_DELETION_DATE_THRESHOLD"]) == (3600, 2)


def test_file_values_are_read_and_environment_overrides_them(tmp_path):
    environ = _write(tmp_path, "REGISTRY_TITLE: Acme Registry\nFEATURE_ANONYMOUS_ACCESS: true\n")
    environ["QUAY_FEATURE_ANONYMOUS_ACCESS"] = "false"
    environ["DATABASE_URL"] = "postgresql://quay:pw@db.internal:5433/quay"
    config = load_config(environ)
    assert config["REGISTRY_TITLE"] == "Acme Registry"
    assert config["FEATURE_ANONYMOUS_ACCESS"] is False
    assert config["DB_URI"] == "postgresql://quay:pw@db.internal:5433/quay"


def test_unknown_key_is_named(tmp_path):
    with pytest.raises(ConfigError, match="FEATURE_TYPO"):
        load_config(_write(tmp_path, "FEATURE_TYPO: true\n"))


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("REGISTRY_TOKEN_LIFETIME: soon\n", "REGISTRY_TOKEN_LIFETIME"),
        ("REGISTRY_TOKEN_LIFETIME: true\n", "REGISTRY_TOKEN_LIFETIME"),
        ("SUPER_USERS: admin\n", "SUPER_USERS"),
        ("DB_URI: mysql://x/y\n", "mysql://x/y"),
        ("PREFERRED_URL_SCHEME: ftp\n", "PREFERRED_URL_SCHEME"),
        ("DISTRIBUTED_STORAGE_PREFERENCE: [nowhere]\n", "nowhere"),
        ("DEFAULT_TAG_EXPIRATION: 2 weeks\n", "'2 weeks'"),
        ("DEFAULT_TAG_EXPIRATION: 3w\n", "DEFAULT_TAG_EXPIRATION must be one of"),
        ("TAG_EXPIRATION_OPTIONS: [1d, soon]\n", "'soon'"),
        ("PUSH_TEMP_TAG_EXPIRATION_SEC: -1\n", "PUSH_TEMP_TAG_EXPIRATION_SEC"),
        ("BLOBUPLOAD_DELETION_DATE_THRESHOLD: 0\n", "BLOBUPLOAD_DELETION_DATE_THRESHOLD"),
        ("GARBAGE_COLLECTION_FREQUENCY: 0\n", "GARBAGE_COLLECTION_FREQUENCY"),
        ("REGISTRY_TOKEN_RECHECK_SECONDS: 600\n", "REGISTRY_TOKEN_RECHECK_SECONDS"),
        ("TRUSTED_PROXIES: [not-an-address]\n", "TRUSTED_PROXIES"),
        ("NOTIFICATION_FAILURE_LIMIT: 0\n", "NOTIFICATION_FAILURE_LIMIT"),
        ("NOTIFICATION_SEND_TIMEOUT: 0\n", "NOTIFICATION_SEND_TIMEOUT"),
        ("MAIL_PORT: 70000\n", "MAIL_PORT"),
        ("WEBSOCKET_PORT: 70000\n", "WEBSOCKET_PORT"),
        ("KUBERNETES_EXECUTOR_CONFIG: {BUILDER_NAMESPAC: x}\n", "BUILDER_NAMESPAC"),
        ("KUBERNETES_EXECUTOR_CONFIG: {MAXIMUM_JOB_TIME: soon}\n", "MAXIMUM_JOB_TIME must be a int"),
        ("LOGS_MODEL: splunk\n", "LOGS_MODEL must be database or elasticsearch"),
        ("LOGS_MODEL: elasticsearch\n", "elasticsearch needs LOGS_MODEL_CONFIG.elasticsearch_config.host"),
        (
            "LOGS_MODEL: elasticsearch\nLOGS_MODEL_CONFIG: {elasticsearch_config: {host: es, prot: 9200}}\n",
            "unknown key 'prot'",
        ),
        (
            "LOGS_MODEL: elasticsearch\n"
            "LOGS_MODEL_CONFIG: {elasticsearch_config: {host: es, port: '9200'}}\n",
            "port must be a number",
        ),
        (
            "LOGS_MODEL: elasticsearch\n"
            "LOGS_MODEL_CONFIG: {elasticsearch_config: {host: es, index_prefix: Logs_}}\n",
            "index_prefix 'Logs_'",
        ),
        (
            "LOGS_MODEL: elasticsearch\nLOGS_MODEL_CONFIG: {elasticsearch_config: {host: es, user: quay}}\n",
            "give user and password together",
        ),
        ("LOGS_MODEL_CONFIG: {producer: kinesis_stream}\n", "producer must be elasticsearch"),
        ("- a list\n", "mapping"),
        ("key: [unclosed\n", "YAML"),
    ],
)
def test_bad_values_are_named(tmp_path, text, named):
    with pytest.raises(ConfigError, match=named):
        load_config(_write(tmp_path, text))


def test_the_audit_log_goes_to_the_database_unless_elasticsearch_is_configured(tmp_path):
    assert load_config({})["LOGS_MODEL"] == "database"
    config = load_config(
        _write(
            tmp_path,
            "LOGS_MODEL: elasticsearch\nLOGS_MODEL_CONFIG:\n  producer: elasticsearch\n"
            "  elasticsearch_config: {host: es.internal, port: 9200, use_ssl: true, index_prefix: logentry_,"
            " access_key: quay, secret_key: s3cret}\n",
        )
    )
    assert config["LOGS_MODEL_CONFIG"]["elasticsearch_config"]["host"] == "es.internal"


def test_notification_and_mail_defaults_are_quays():
    config = load_config({})
    assert (config["NOTIFICATION_FAILURE_LIMIT"], config["NOTIFICATION_ALLOW_PRIVATE_TARGETS"]) == (3, False)
    assert (config["MAIL_PORT"], config["MAIL_USE_TLS"]) == (587, True)


def test_gc_frequency_defaults_to_quays_30_seconds_and_follows_the_environment():
    assert load_config({})["GARBAGE_COLLECTION_FREQUENCY"] == 30
    assert load_config({"QUAY_GARBAGE_COLLECTION_FREQUENCY": "5"})["GARBAGE_COLLECTION_FREQUENCY"] == 5


def test_bad_environment_value_is_named():
    with pytest.raises(ConfigError, match="QUAY_FEATURE_ANONYMOUS_ACCESS"):
        load_config({"QUAY_FEATURE_ANONYMOUS_ACCESS": "maybe"})


def test_missing_config_file_named_by_quay_config_is_an_error():
    with pytest.raises(ConfigError, match="not a file"):
        load_config({"QUAY_CONFIG": "/nonexistent/config.yaml"})


@pytest.mark.parametrize(
    ("spec", "named"),
    [
        (["NoSuchStorage", {}], "NoSuchStorage"),
        (["LocalStorage", {"storage_path": "/tmp/x", "bogus": 1}], "bogus"),
        ("LocalStorage", "expected"),
        (["os.path.join", {}], "not a storage driver"),
    ],
)
def test_bad_storage_config_is_named(spec, named):
    with pytest.raises(StorageConfigError, match=named):
        driver_build("default", spec)


def test_server_refuses_to_start_with_a_bad_storage_option(tmp_path):
    environ = _write(
        tmp_path,
        "DISTRIBUTED_STORAGE_CONFIG:\n  default: [LocalStorage, {storage_path: /tmp/x, typo_option: 1}]\n",
    )
    environ.update({"QUAY_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"})
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "typo_option" in result.stderr
