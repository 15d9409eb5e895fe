"""Starts and stops the two servers under test, each in its own temporary directory.

Ours: a fresh data dir (QUAY_DATA_DIR), a fresh SQLite DB inside it or a fresh PostgreSQL
database quay_bench_<random>, `manage.py migrate`, one user, then the WSGI server command.
Reference: `docker-registry serve` (CNCF distribution 2.8.2) on filesystem storage with token
auth, plus bench/tokenserver.py as its token server.
"""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from httpclient import Connection

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

# As `make run` serves it.
DEFAULT_SERVER_CMD = (
    "gunicorn -w 4 --threads 8 -k gthread --no-sendfile -b 127.0.0.1:{port} quaysite.wsgi:application"
)
GRANIAN_CMD = (
    "granian --interface wsgi --host 127.0.0.1 --port {port} --workers 2 "
    "--blocking-threads 32 --no-ws quaysite.wsgi:application"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(port: int, path: str, proc: subprocess.Popen, deadline_s: float = 30.0) -> None:
    """Until the server answers any HTTP status on path (or dies, or the deadline passes)."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} while starting")
        conn = Connection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", path)
            return
        except OSError:
            time.sleep(0.1)
        finally:
            conn.close()
    raise RuntimeError(f"nothing answered on 127.0.0.1:{port}{path} within {deadline_s} s")


def stop_process(proc: subprocess.Popen | None, grace_s: float = 10.0) -> None:
    """SIGTERM to the process group we created for it, then SIGKILL after the grace period."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(grace_s)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(5)


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def process_tree(pid: int) -> list[int]:
    children = _children_map()
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, []))
    return found


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    """utime + stime of each given live process (all its threads), in seconds."""
    found = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # fields 14 and 15 of stat(5)
    return found


def cpu_seconds(pids: list[int]) -> float:
    return sum(cpu_by_pid(pids).values())


def rss_bytes(pids: list[int]) -> int:
    """The summed resident set of the given live processes (VmRSS: pages shared between a
    master and its forked workers count once per process, as `ps` and a container's
    limit-minded operator would add them up)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            continue
    return total


class MemoryPeak:
    """Samples each server's process tree's summed RSS every ``interval`` seconds on a thread of
    its own and keeps each one's peak (bounded: it stops with stop() or after ``max_seconds``)."""

    def __init__(self, servers: list[Server], interval: float = 0.2, max_seconds: float = 3600.0) -> None:
        self.servers = servers
        self.interval = interval
        self.deadline = time.monotonic() + max_seconds
        self.peak: dict[str, int] = {server.label: 0 for server in servers}
        self.processes_at_peak: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set() and time.monotonic() < self.deadline:
            for server in self.servers:
                if server.proc is None:
                    continue
                pids = process_tree(server.proc.pid)
                rss = rss_bytes(pids)
                if rss > self.peak[server.label]:
                    self.peak[server.label] = rss
                    self.processes_at_peak[server.label] = len(pids)
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


@dataclass
class Server:
    label: str
    port: int
    user: str
    password: str
    proc: subprocess.Popen | None = None
    token_proc: subprocess.Popen | None = None
    token_port: int | None = None
    service: str = ""
    workdir: str = ""
    notes: dict[str, str] = field(default_factory=dict)
    cleanup: list = field(default_factory=list)
    extra_pids: Callable[[], list[int]] | None = None  # processes serving it outside its tree

    @property
    def token_host_port(self) -> tuple[int, str]:
        """(port, path) of the token endpoint."""
        if self.token_port is not None:
            return self.token_port, "/token"
        return self.port, "/v2/auth"

    def server_pids(self) -> list[int]:
        """The registry's processes (workers included); not the reference's token server."""
        assert self.proc is not None
        pids = process_tree(self.proc.pid)
        if self.extra_pids is not None:
            pids += self.extra_pids()
        return pids

    def stop(self) -> None:
        stop_process(self.proc)
        stop_process(self.token_proc)
        for action in reversed(self.cleanup):
            try:
                action()
            except Exception as exc:  # cleanup must go on
                print(f"[{self.label}] cleanup failed: {exc}", file=sys.stderr)
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


def bench_database(postgres: bool) -> tuple[str, Callable[[], None] | None]:
    """A fresh PostgreSQL database's URL and its drop; else '' and None: SQLite in the data dir,
    the embedded default (WAL, BEGIN IMMEDIATE) as `make run` uses it."""
    return _pg_create() if postgres else ("", None)


def _pg_create() -> tuple[str, Callable[[], None]]:
    import psycopg

    name = f"quay_bench_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"postgresql://postgres@127.0.0.1:5432/{name}", drop


class PgBackends:
    """The PostgreSQL backend processes connected to one database (same machine), so their CPU
    counts as the server's: a registry on PostgreSQL spends part of each request there."""

    def __init__(self, database: str) -> None:
        import psycopg

        self.database = database
        self.conn = psycopg.connect(PG_ADMIN_URL, autocommit=True)

    def __call__(self) -> list[int]:
        rows = self.conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.database])
        return [pid for (pid,) in rows.fetchall()]

    def close(self) -> None:
        self.conn.close()


def start_ours(
    *, server_cmd: str, postgres: bool, user: str, password: str, config_yaml: str = "{}\n", setup: str = ""
) -> Server:
    """``config_yaml``: the server's whole config file; ``setup``: Python run by ``manage.py shell``
    after the user is made (rows a benchmark needs), before the server starts."""
    workdir = tempfile.mkdtemp(prefix="quay-bench-ours-")
    port = free_port()
    server = Server(label="ours", port=port, user=user, password=password, workdir=workdir)
    try:
        config = Path(workdir) / "config.yaml"
        config.write_text(config_yaml)  # isolates the run from a developer's conf/config.yaml
        env = dict(os.environ)
        env.update(
            QUAY_DATA_DIR=str(Path(workdir) / "data"),
            QUAY_CONFIG=str(config),
            DATABASE_URL="",
            PYTHONUNBUFFERED="1",
        )
        if postgres:
            url, drop = _pg_create()
            server.cleanup.append(drop)
            env["DATABASE_URL"] = url
            backends = PgBackends(url.rsplit("/", 1)[1])
            server.cleanup.append(backends.close)
            server.extra_pids = backends
            server.notes["database"] = url.rsplit("/", 1)[1] + " (PostgreSQL)"
        else:
            server.notes["database"] = "SQLite (embedded default)"
        log = open(Path(workdir) / "server.log", "wb")  # noqa: SIM115
        server.cleanup.append(log.close)
        create = (
            f"from orgs.services import user_create; user_create(username={user!r}, password={password!r})"
        )
        for step in (["migrate", "--noinput", "-v0"], ["shell", "-c", create + "\n" + setup]):
            done = subprocess.run(
                [PYTHON, "manage.py", *step],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=180,
            )
            if done.returncode != 0:
                log.flush()
                tail = (Path(workdir) / "server.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"manage.py {step[0]} failed ({done.returncode}):\n{tail}")
        argv = shlex.split(server_cmd.format(port=port))
        if not os.path.isabs(argv[0]) and (VENV_BIN / argv[0]).exists():
            argv[0] = str(VENV_BIN / argv[0])
        server.notes["command"] = " ".join(argv)
        server.proc = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        wait_http(port, "/v2/", server.proc)
        server.notes["log"] = str(Path(workdir) / "server.log")
    except BaseException:
        server.stop()
        raise
    return server


REFERENCE_CONFIG = """\
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: {root}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{port}
auth:
  token:
    realm: http://127.0.0.1:{token_port}/token
    service: {service}
    issuer: {issuer}
    rootcertbundle: {cert}
"""


def start_reference(*, user: str, password: str, binary: str = "docker-registry") -> Server:
    if shutil.which(binary) is None:
        raise RuntimeError(f"{binary} not found: apt-get install -y docker-registry")
    workdir = tempfile.mkdtemp(prefix="quay-bench-ref-")
    port, token_port = free_port(), free_port()
    service, issuer = "bench-reference", "bench-token-issuer"
    server = Server(
        label="reference",
        port=port,
        user=user,
        password=password,
        workdir=workdir,
        token_port=token_port,
        service=service,
    )
    try:
        cert = Path(workdir) / "token-cert.pem"
        server.token_proc = subprocess.Popen(
            [
                PYTHON,
                str(Path(__file__).with_name("tokenserver.py")),
                "--port",
                str(token_port),
                "--cert",
                str(cert),
                "--issuer",
                issuer,
                "--service",
                service,
                "--user",
                user,
                "--password",
                password,
            ],
            stdout=subprocess.PIPE,
            start_new_session=True,
        )
        assert server.token_proc.stdout is not None
        if server.token_proc.stdout.readline().strip() != b"ready":
            raise RuntimeError("the token server did not start")
        config = Path(workdir) / "config.yml"
        config.write_text(
            REFERENCE_CONFIG.format(
                root=Path(workdir) / "storage",
                port=port,
                token_port=token_port,
                service=service,
                issuer=issuer,
                cert=cert,
            )
        )
        log = open(Path(workdir) / "registry.log", "wb")  # noqa: SIM115
        server.cleanup.append(log.close)
        version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
        server.notes["command"] = f"{binary} serve {config}"
        server.notes["version"] = version
        server.proc = subprocess.Popen(
            [binary, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        wait_http(port, "/v2/", server.proc)
    except BaseException:
        server.stop()
        raise
    return server


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy (all cores), from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def own_cpu_seconds() -> float:
    """CPU of this benchmark and everything it started: live process tree plus reaped children."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return cpu_seconds(process_tree(os.getpid())) + children.ru_utime + children.ru_stime
