"""`manage.py checkconfig [config.yaml]`: every problem on a line of its own naming its key, exit
2 for a configuration the server would refuse, 1 when a service it names does not answer."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("DATABASE_URL") or ""
REDIS_URL = "redis://127.0.0.1:6379/9"


def _checkconfig(tmp_path: Path, text: str, *args: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "config.yaml"
    config.write_text(text)
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("QUAY_") and key not in ("DATABASE_URL", "REDIS_URL")
    }
    environ["QUAY_DATA_DIR"] = str(tmp_path / "data")
    return subprocess.run(
        [sys.executable, "manage.py", *(args or ("checkconfig", str(config)))],
        cwd=ROOT,
        env={**environ, "QUAY_CONFIG": str(config)} if args else environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_problem_is_listed_on_its_own_line_with_its_key(tmp_path):
    result = _checkconfig(
        tmp_path,
        "FEATURE_TYPO: true\n"
        "REGISTRY_TOKEN_LIFETIME: soon\n"
        "EXTERNAL_TLS_TERMINATION: true\n"
        "DB_URI: postgresql://quay@db/quay?sslmod=require\n"
        "MAIL_PORT: 70000\n"
        "METRICS_ALLOWED_NETWORKS: [everywhere]\n",
    )
    assert result.returncode == 2, result.stderr
    lines = result.stdout.splitlines()
    for key in (
        "FEATURE_TYPO",
        "REGISTRY_TOKEN_LIFETIME",
        "EXTERNAL_TLS_TERMINATION",
        "sslmod",
        "MAIL_PORT",
        "METRICS_ALLOWED_NETWORKS",
    ):
        assert sum(key in line for line in lines) == 1, (key, lines)
    assert lines[-1].startswith("6 problem(s)")


def test_a_working_configuration_passes(tmp_path):
    database = DATABASE_URL or f"sqlite:///{tmp_path / 'db.sqlite3'}"
    result = _checkconfig(
        tmp_path,
        f"DB_URI: {database}\nREDIS_URL: {REDIS_URL}\n"
        f"DISTRIBUTED_STORAGE_CONFIG:\n  default: [LocalStorage, {{storage_path: {tmp_path / 'store'}}}]\n",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid; the database, Redis and storage answer" in result.stdout
    # The probe object is gone again.
    assert list((tmp_path / "store").rglob("*")) == [tmp_path / "store" / "checkconfig"]


def test_services_that_do_not_answer_are_named(tmp_path):
    result = _checkconfig(
        tmp_path,
        "DB_URI: postgresql://quay@127.0.0.1:1/quay?connect_timeout=2\n"
        "REDIS_URL: redis://127.0.0.1:1/0\n"
        "DISTRIBUTED_STORAGE_CONFIG:\n"
        "  default: [S3Storage, {s3_bucket: b, s3_access_key: a, s3_secret_key: s, host: 127.0.0.1, port: 1,"
        " is_secure: false}]\n",
    )
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == [
        "DB_URI",
        "REDIS_URL",
        "DISTRIBUTED_STORAGE_CONFIG",
    ]
    assert "location 'default' does not work" in lines[2]


def test_start_up_refuses_the_same_configuration_listing_every_problem(tmp_path):
    result = _checkconfig(tmp_path, "FEATURE_TYPO: true\nMAIL_PORT: 70000\n", "check")
    assert result.returncode != 0
    assert "2 configuration problems" in result.stderr
    assert "FEATURE_TYPO" in result.stderr and "MAIL_PORT" in result.stderr
