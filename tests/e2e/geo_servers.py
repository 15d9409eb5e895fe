"""Two registry instances of one geo-replicated deployment, as separate real processes.

Both run gunicorn over one PostgreSQL database and one Redis (database index 4), with the same
two storage locations (say ``local``, a directory, and ``s3``, a moto server this module starts
so that a test can stop it as an outage). Instance A prefers the first, instance B the second
(``QUAY_DISTRIBUTED_STORAGE_PREFERENCE``, as each region of a deployment sets its own); every
blob must reach both. One rq worker process runs the replication job; the test starts it when
it wants replication to begin.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis
import yaml

from tests.e2e.conftest import (
    ROOT,
    RegistryServer,
    _database_created,
    _server_env,
    _server_prepare,
    _server_running,
    _stop,
)

BIN = Path(sys.executable).parent
REDIS_URL = "redis://127.0.0.1:6379/4"
BUCKET = "geo"
WAIT_SECONDS = 60.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class S3Server:
    """A moto server on a fixed port, which the test may stop and start again (empty)."""

    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                request = urllib.request.Request(f"{self.url}/{BUCKET}", method="PUT")
                urllib.request.urlopen(request, timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"moto did not answer on {self.url}")

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)
            self.process = None

    def location(self) -> list:
        return [
            "S3Storage",
            {
                "s3_bucket": BUCKET,
                "s3_access_key": "testing",
                "s3_secret_key": "testing",
                "host": "127.0.0.1",
                "port": self.port,
                "is_secure": False,
                "storage_path": "registry",
            },
        ]


@dataclass
class Worker:
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        if self.process is None:
            with self.log.open("ab") as out:
                self.process = subprocess.Popen(
                    [str(BIN / "python"), "manage.py", "rqworker", "default", "gc"],
                    cwd=ROOT,
                    env=self.env,
                    stdout=out,
                    stderr=out,
                    start_new_session=True,
                )

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)
            self.process = None


@dataclass
class GeoDeployment:
    a: RegistryServer
    b: RegistryServer
    worker: Worker
    database_url: str

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.database_url, autocommit=True) as connection:
            return connection.execute(sql, params).fetchall()

    def placements(self, digest: str) -> set[str]:
        rows = self.query(
            "SELECT p.location FROM registry_blobplacement p JOIN registry_blob b ON b.id = p.blob_id "
            "WHERE b.digest = %s",
            (digest,),
        )
        return {row[0] for row in rows}

    def pending(self, digests: list[str]) -> list[tuple[str, str, int, str]]:
        return self.query(
            "SELECT b.digest, r.location, r.attempts, r.last_error FROM registry_blobreplication r "
            "JOIN registry_blob b ON b.id = r.blob_id WHERE b.digest = ANY(%s)",
            (digests,),
        )

    def wait_for(self, what: str, ready: Callable[[], bool], timeout: float = WAIT_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready():
                return
            time.sleep(0.2)
        raise AssertionError(
            f"{what}: not within {timeout}s; worker log:\n{self.worker.log.read_text()[-3000:]}"
        )


def _config(root: Path, locations: dict[str, list]) -> Path:
    config = {
        "SECRET_KEY": "geo-replication-tests",
        "DISTRIBUTED_STORAGE_CONFIG": locations,
        "DISTRIBUTED_STORAGE_PREFERENCE": list(locations),
        "DISTRIBUTED_STORAGE_DEFAULT_LOCATIONS": list(locations),
        "FEATURE_STORAGE_REPLICATION": True,
        "REPLICATION_POLL_PERIOD": 1,
        "REPLICATION_RETRY_SECONDS": 1,
    }
    path = root / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@contextmanager
def geo_deployment(root: Path, locations: dict[str, list]) -> Iterator[GeoDeployment]:
    """A prefers the first of the two locations, B the second."""
    first, second = locations
    redis.Redis.from_url(REDIS_URL).flushdb()
    # The database outlives the stack: the servers and the worker stop before it is dropped.
    with _database_created(os.environ["DATABASE_URL"]) as database_url, ExitStack() as stack:
        config = _config(root, locations)

        def env_for(name: str, preference: str) -> dict[str, str]:
            data_dir = root / name
            data_dir.mkdir()
            env = _server_env(data_dir, database_url)
            env.update(
                QUAY_CONFIG=str(config), REDIS_URL=REDIS_URL, QUAY_DISTRIBUTED_STORAGE_PREFERENCE=preference
            )
            return env

        env_a, env_b = env_for("a", f"{first},{second}"), env_for("b", f"{second} {first}")
        _server_prepare(env_a)
        a = stack.enter_context(_server_running(env_a, root / "a"))
        b = stack.enter_context(_server_running(env_b, root / "b"))
        worker = Worker(env=env_a, log=root / "worker.log")
        stack.callback(worker.stop)
        stack.callback(lambda: redis.Redis.from_url(REDIS_URL).flushdb())
        yield GeoDeployment(a=a, b=b, worker=worker, database_url=database_url)
