"""Scale-out: two server instances and two rq worker processes over one PostgreSQL database, one
Redis (index 9) and one S3 server (moto) act as one registry. A push through one is pulled
through the other; a GC job runs on whichever worker claims it; an instance killed in the middle
of a push loses nothing a client was told was stored, and the push retried through the other
instance succeeds."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import redis
from rq import Queue
from rq.job import Job

from tests.e2e.conftest import (
    BIN,
    PASSWORDS,
    ROOT,
    ContainerTools,
    _database_created,
    _free_port,
    _run_checked,
    _server_env,
    _server_prepare,
    _server_start,
    _stop,
)

pytestmark = pytest.mark.e2e

REDIS_URL = os.environ.get("QUAY_TEST_SCALE_REDIS_URL", "redis://127.0.0.1:6379/9")
WORKER_NAMES = ("scale-worker-1", "scale-worker-2")
WAIT_SECONDS = 60
BIG_LAYER = 96 * 1024 * 1024


@dataclass
class Cluster:
    hosts: list[str]
    servers: list[subprocess.Popen[bytes]]
    env: dict[str, str]


def _moto(port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        assert process.poll() is None, "moto_server exited"
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "moto_server did not answer"
            time.sleep(0.1)
    # moto checks no signatures: a bare PUT makes the bucket.
    urllib.request.urlopen(
        urllib.request.Request(f"http://127.0.0.1:{port}/quay", method="PUT"), timeout=10
    ).close()
    return process


def _config(directory: Path, s3_port: int) -> Path:
    config = directory / "config.yaml"
    config.write_text(
        f"REDIS_URL: {REDIS_URL}\n"
        "PUSH_TEMP_TAG_EXPIRATION_SEC: 0\n"
        "DISTRIBUTED_STORAGE_CONFIG:\n"
        "  default: [S3Storage, {s3_bucket: quay, s3_access_key: a, s3_secret_key: s,"
        f" host: 127.0.0.1, port: {s3_port}, is_secure: false}}]\n"
        "DISTRIBUTED_STORAGE_PREFERENCE: [default]\n"
    )
    return config


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        pytest.skip("scale-out needs PostgreSQL (DATABASE_URL)")
    shared = tmp_path_factory.mktemp("scale-out")
    redis.Redis.from_url(REDIS_URL).flushdb()
    moto = _moto(s3_port := _free_port())
    processes: list[subprocess.Popen[bytes]] = [moto]
    try:
        with _database_created(os.environ["DATABASE_URL"]) as database_url:
            envs = []
            for index in range(2):
                data_dir = shared / f"instance-{index}"
                data_dir.mkdir()
                env = _server_env(data_dir, database_url)
                env.update(
                    QUAY_CONFIG=str(_config(shared, s3_port)),
                    REDIS_URL=REDIS_URL,
                    QUAY_SECRET_KEY="scale-out-secret-shared-by-every-instance",
                )
                envs.append((env, data_dir))
            _server_prepare(envs[0][0])
            started = [_server_start(env, data_dir) for env, data_dir in envs]
            servers = [process for process, _ in started]
            processes += servers
            for name in WORKER_NAMES:
                processes.append(
                    subprocess.Popen(
                        [str(BIN / "python"), "manage.py", "rqworker", "--name", name, "default", "gc"],
                        cwd=ROOT,
                        env=envs[0][0],
                        stdout=(shared / f"{name}.log").open("wb"),
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
            yield Cluster([host for _, host in started], servers, envs[1][0])
            for process in processes[1:]:
                _stop(process)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(10)
        redis.Redis.from_url(REDIS_URL).flushdb()


def _tools(tmp_path: Path, name: str, host: str) -> ContainerTools:
    tools = ContainerTools(tmp_path / name, host)
    tools.login("alice")
    return tools


def _shell(env: dict[str, str], code: str) -> str:
    return _run_checked(
        [str(BIN / "python"), "manage.py", "shell", "--no-imports", "-c", code], env=env, cwd=ROOT
    ).stdout.strip()


def _image_id(tools: ContainerTools, reference: str) -> str:
    return tools.run("podman", "image", "inspect", "--format", "{{.Id}}", reference).stdout.strip()


def test_pushed_through_one_instance_pulled_through_the_other(cluster: Cluster, tmp_path: Path) -> None:
    first, second = cluster.hosts
    pusher = _tools(tmp_path, "pusher", first)
    image_id = pusher.image_build("spread:1", [secrets.token_bytes(512 * 1024)])
    pusher.push("spread:1", "alice/spread:1")

    puller = _tools(tmp_path, "puller", second)
    puller.run("podman", "pull", "--tls-verify=false", f"{second}/alice/spread:1")

    assert _image_id(puller, f"{second}/alice/spread:1") == image_id


def test_an_instance_killed_mid_push_loses_nothing_and_the_retry_elsewhere_succeeds(
    cluster: Cluster, tmp_path: Path
) -> None:
    first, second = cluster.hosts
    pusher = _tools(tmp_path, "pusher", first)
    kept_id = pusher.image_build("kept:1", [secrets.token_bytes(256 * 1024)])
    pusher.push("kept:1", "alice/kept:1")
    big_id = pusher.image_build("big:1", [secrets.token_bytes(BIG_LAYER)])
    push = subprocess.Popen(
        ["podman", "push", "--tls-verify=false", "localhost/big:1", f"{first}/alice/big:1"],
        env=pusher.env,
        cwd=pusher.home,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    # Killed once the layer's upload session exists: bytes are on their way.
    deadline = time.monotonic() + WAIT_SECONDS
    with psycopg.connect(cluster.env["DATABASE_URL"], autocommit=True) as database:
        while not database.execute("SELECT count(*) FROM registry_blobupload").fetchone()[0]:  # type: ignore[index]
            assert push.poll() is None, "the push ended before the instance could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
    os.killpg(cluster.servers[0].pid, signal.SIGKILL)
    cluster.servers[0].wait(10)
    assert push.wait(WAIT_SECONDS * 2) != 0

    pusher.run("podman", "login", "--tls-verify=false", "-u", "alice", "-p", PASSWORDS["alice"], second)
    pusher.run("podman", "push", "--tls-verify=false", "localhost/big:1", f"{second}/alice/big:1")
    puller = _tools(tmp_path, "puller", second)
    for name, wanted in (("kept", kept_id), ("big", big_id)):
        puller.run("podman", "pull", "--tls-verify=false", f"{second}/alice/{name}:1")
        assert _image_id(puller, f"{second}/alice/{name}:1") == wanted


def test_a_gc_job_runs_on_whichever_worker_claims_it(cluster: Cluster, tmp_path: Path) -> None:
    second = cluster.hosts[1]
    tools = _tools(tmp_path, "collector", second)
    tools.image_build("doomed:1", [secrets.token_bytes(128 * 1024)])
    tools.push("doomed:1", "alice/doomed:1")
    layer = tools.manifest("alice/doomed:1")["layers"][0]["digest"]
    # No time machine: a deleted image is garbage at once.
    _shell(
        cluster.env,
        "from orgs.models import Namespace; "
        "Namespace.objects.filter(name='alice').update(time_machine_seconds=0)",
    )
    tools.run("skopeo", "delete", "--tls-verify=false", tools.ref("alice/doomed:1"))

    _run_checked([str(BIN / "python"), "manage.py", "registry_cleanup"], env=cluster.env, cwd=ROOT)

    queue = Queue("gc", connection=redis.Redis.from_url(REDIS_URL))
    gone = f"from registry.models import Blob; print(Blob.objects.filter(digest={layer!r}).exists())"
    deadline = time.monotonic() + WAIT_SECONDS
    while _shell(cluster.env, gone) != "False":
        assert time.monotonic() < deadline, "no worker's GC deleted the untagged layer:\n" + _shell(
            cluster.env, "from registry.models import GCRun; print(list(GCRun.objects.values()))"
        )
        time.sleep(0.5)
    runs = [
        Job.fetch(job_id, connection=queue.connection) for job_id in queue.finished_job_registry.get_job_ids()
    ]
    ran_by = {job.worker_name for job in runs if job.func_name == "registry.tasks.gc_run_task"}
    assert ran_by and ran_by <= set(WORKER_NAMES)
    finished = (
        "from registry.models import GCRun; print(GCRun.objects.filter(finished__isnull=False).exists())"
    )
    assert _shell(cluster.env, finished) == "True"
