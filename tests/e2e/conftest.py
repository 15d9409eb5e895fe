"""End-to-end fixtures: one real registry server per session, isolated client tools per test.

The server runs as its own process (gunicorn, WSGI, as `make run` starts it) on its own
database: pytest-django's test database lives only inside this process's transactions, so the
server could never see it. With
DATABASE_URL naming PostgreSQL, the session creates a fresh database on that server and drops it
afterwards; otherwise the server uses SQLite in its temporary data directory.

Every test gets its own podman/skopeo/buildah storage, auth file, containers.conf and temp dirs,
so no login or image is shared with the machine or with another test.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from tests.notifications.receivers import Mailbox, free_port, smtp_server_running

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORDS = {"alice": "alice-e2e-password", "bob": "bob-e2e-password"}
COMMAND_TIMEOUT = 120
READY_TIMEOUT = 30
STOP_TIMEOUT = 5
START_ATTEMPTS = 3
LOG_TAIL_LINES = 80
OUTPUT_TAIL_CHARS = 4000
# As the Makefile's run target: gunicorn's largest bounded request line (its default, 4094,
# answers an over-long name or digest with its own HTML 414 before the registry sees it).
GUNICORN_LIMITS = ("--limit-request-line", "8190")
ACCESS_LOG_FORMAT = '"%(m)s %(U)s?%(q)s" %(s)s'
ACCESS_LINE = re.compile(r'^"(?P<method>\S+) (?P<path>[^?]*)\?(?P<query>\S*)" (?P<status>\d+)$')
SERVER_LOGS = pytest.StashKey[list[Path]]()
# stderr: Django's log, tracebacks and gunicorn's messages; stdout: gunicorn's access log.
SERVER_STDERR = "server-stderr.log"
SERVER_STDOUT = "server-stdout.log"

# Users and the organization every test may rely on; alice creates acme and so administers it.
SETUP_SCRIPT = """
from orgs.services import organization_create, user_create
alice = user_create(username="alice", password={alice!r})
user_create(username="bob", password={bob!r})
organization_create(name="acme", creator=alice)
"""


def _tail(text: str, limit: int = OUTPUT_TAIL_CHARS) -> str:
    return text if len(text) <= limit else "..." + text[-limit:]


def _run_checked(
    args: list[str],
    *,
    env: dict[str, str],
    cwd: Path,
    timeout: float = COMMAND_TIMEOUT,
    succeed: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Runs a command that must succeed (or, with succeed=False, must fail); says why it did not."""
    result = subprocess.run(
        args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    if (result.returncode == 0) != succeed:
        expected = "succeed" if succeed else "fail"
        raise AssertionError(
            f"command should {expected} but exited with {result.returncode}: {' '.join(args)}\n"
            f"--- stdout ---\n{_tail(result.stdout)}\n--- stderr ---\n{_tail(result.stderr)}"
        )
    return result


# Database -------------------------------------------------------------------------------------


def _postgres_admin_connection(url: str) -> psycopg.Connection:
    """A connection for CREATE/DROP DATABASE: the maintenance database, else the URL's own."""
    parts = urlsplit(url)
    last_error: Exception | None = None
    for name in ("postgres", parts.path.lstrip("/")):
        try:
            return psycopg.connect(urlunsplit(parts._replace(path=f"/{name}")), autocommit=True)
        except psycopg.OperationalError as error:
            last_error = error
    raise AssertionError(f"cannot reach PostgreSQL at {url}: {last_error}")


@contextmanager
def _database_created(url: str) -> Iterator[str]:
    """A fresh database on the PostgreSQL server ``url`` names, dropped afterwards; '' (the
    server then uses SQLite in its data directory) when ``url`` names none."""
    if urlsplit(url).scheme not in ("postgres", "postgresql"):
        yield ""
        return
    name = f"quay_e2e_{secrets.token_hex(6)}"
    with _postgres_admin_connection(url) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    finally:
        with _postgres_admin_connection(url) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def server_database_url() -> Iterator[str]:
    """The server's own database URL: a fresh PostgreSQL database, or '' for SQLite."""
    with _database_created(os.environ.get("DATABASE_URL", "")) as url:
        yield url


# Server ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistryServer:
    host: str
    env: dict[str, str]
    stderr_log: Path
    stdout_log: Path
    scheme: str = "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}"

    def manage(self, *args: str) -> subprocess.CompletedProcess[str]:
        return _run_checked([str(BIN / "python"), "manage.py", *args], env=self.env, cwd=ROOT)

    def shell(self, code: str) -> subprocess.CompletedProcess[str]:
        """Runs Python inside the server's Django setup and database."""
        return self.manage("shell", "--no-imports", "-c", code)

    def requests(self, *, method: str, path: str) -> list[tuple[dict[str, list[str]], int]]:
        """(query, status) of every logged request with this method and path, oldest first."""
        found = []
        for line in self.stdout_log.read_text().splitlines():
            match = ACCESS_LINE.match(line.strip())
            if match and match["method"] == method and match["path"] == path:
                found.append((parse_qs(match["query"]), int(match["status"])))
        return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_env(data_dir: Path, database_url: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("QUAY_", "CONTAINERS_", "GRANIAN_"))
        and key not in ("DATABASE_URL", "REDIS_URL", "REGISTRY_AUTH_FILE")
    }
    # An empty config file keeps a developer's conf/config.yaml out of the test server.
    config = data_dir / "config.yaml"
    config.write_text("{}\n")
    env.update(
        QUAY_CONFIG=str(config),
        QUAY_DATA_DIR=str(data_dir),
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="quaysite.settings",
        PYTHONUNBUFFERED="1",
        # As `make run` serves: the workers' metrics summed through files here.
        PROMETHEUS_MULTIPROC_DIR=str(data_dir / "prometheus"),
    )
    (data_dir / "prometheus").mkdir(exist_ok=True)
    return env


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        # The server runs in its own session: its group holds only gunicorn and its workers.
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT)


def _wait_ready(
    process: subprocess.Popen[bytes], url: str, log: Path, context: ssl.SSLContext | None = None
) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}:\n{_log_tail(log)}")
        try:
            urllib.request.urlopen(url, timeout=2, context=context).close()
        except urllib.error.HTTPError as error:
            if error.code == 401:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not answer 401 within {READY_TIMEOUT}s:\n{_log_tail(log)}")


def _log_tail(log: Path, lines: int = LOG_TAIL_LINES) -> str:
    if not log.exists():
        return "(no server log)"
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _server_start(
    env: dict[str, str], data_dir: Path, tls_ca: Path | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """Starts gunicorn on a free port; a port taken between probe and bind gets another try.
    With ``tls_ca`` the server speaks TLS (its settings name the certificate) signed by that CA."""
    context = ssl.create_default_context(cafile=str(tls_ca)) if tls_ca else None
    scheme = "https" if tls_ca else "http"
    stdout_log, stderr_log = data_dir / SERVER_STDOUT, data_dir / SERVER_STDERR
    for _ in range(START_ATTEMPTS):
        host = f"127.0.0.1:{_free_port()}"
        command = [
            str(BIN / "gunicorn"),
            "--bind", host,
            "--workers", "2",
            "--worker-class", "gthread",
            "--threads", "8",
            "--access-logfile", "-",
            "--access-logformat", ACCESS_LOG_FORMAT,
            *GUNICORN_LIMITS,
            "quaysite.wsgi:application",
        ]  # fmt: skip
        errors_before = stderr_log.stat().st_size if stderr_log.exists() else 0
        with stdout_log.open("ab") as stdout, stderr_log.open("ab") as stderr:
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=stdout, stderr=stderr, start_new_session=True
            )
        try:
            _wait_ready(process, f"{scheme}://{host}/v2/", stderr_log, context)
            return process, host
        except AssertionError:
            _stop(process)
            with stderr_log.open("rb") as errors:
                errors.seek(errors_before)
                if b"Address already in use" not in errors.read():
                    raise
    raise AssertionError(f"server did not start in {START_ATTEMPTS} attempts:\n{_log_tail(stderr_log)}")


def _server_prepare(env: dict[str, str]) -> None:
    """Migrates the server's database and creates the test users."""
    _run_checked([str(BIN / "python"), "manage.py", "migrate", "--noinput", "-v0"], env=env, cwd=ROOT)
    _run_checked(
        [str(BIN / "python"), "manage.py", "shell", "--no-imports", "-c", SETUP_SCRIPT.format(**PASSWORDS)],
        env=env,
        cwd=ROOT,
    )


@contextmanager
def _server_running(
    env: dict[str, str], data_dir: Path, tls_ca: Path | None = None
) -> Iterator[RegistryServer]:
    process, host = _server_start(env, data_dir, tls_ca)
    try:
        yield RegistryServer(
            host=host,
            env=env,
            stderr_log=data_dir / SERVER_STDERR,
            stdout_log=data_dir / SERVER_STDOUT,
            scheme="https" if tls_ca else "http",
        )
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def registry_server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    server_database_url: str,
) -> Iterator[RegistryServer]:
    data_dir = tmp_path_factory.mktemp("registry-server")
    env = _server_env(data_dir, server_database_url)
    _server_prepare(env)
    request.config.stash[SERVER_LOGS] = [data_dir / SERVER_STDERR, data_dir / SERVER_STDOUT]
    with _server_running(env, data_dir) as server:
        yield server


@contextmanager
def registry_server_of_its_own(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, settings: dict[str, str]
) -> Iterator[RegistryServer]:
    """A second server with settings of its own (``QUAY_*`` variables), on its own database and
    storage. Servers sharing a database must share their settings too, as a deployment's do:
    the shared server's periodic work (GC with its own grace period, say) would otherwise act on
    this one's rows by other rules. Its logs join the shared server's in a failure's report."""
    data_dir = tmp_path_factory.mktemp("registry-server-own")
    with _database_created(os.environ.get("DATABASE_URL", "")) as database_url:
        env = {**_server_env(data_dir, database_url), **settings}
        _server_prepare(env)
        logs = [data_dir / SERVER_STDERR, data_dir / SERVER_STDOUT]
        request.config.stash[SERVER_LOGS] = [*request.config.stash.get(SERVER_LOGS, []), *logs]
        try:
            with _server_running(env, data_dir) as server:
                yield server
        finally:
            request.config.stash[SERVER_LOGS] = [
                log for log in request.config.stash.get(SERVER_LOGS, []) if log not in logs
            ]


# The server's settings are fixed when it starts, so the port of the session's SMTP server
# (features_mailbox) is chosen here, at import.
FEATURES_MAIL_PORT = free_port()
# The settings of the second shared server: capabilities a setting switches on or speeds up.
# Quota management on; no push grace, so a GC run frees a deleted image at once; auto-prune and
# the mirror workers' look every two seconds; webhooks may reach the tests' loopback receivers,
# and its mail goes to the session's SMTP server. Each test there works in namespaces (and mail
# addresses) of its own.
FEATURES_SERVER_SETTINGS = {
    "QUAY_FEATURE_QUOTA_MANAGEMENT": "true",
    "QUAY_PUSH_TEMP_TAG_EXPIRATION_SEC": "0",
    "QUAY_AUTO_PRUNING_POLL_PERIOD": "2",
    "QUAY_REPO_MIRROR_INTERVAL": "2",
    "QUAY_NOTIFICATION_ALLOW_PRIVATE_TARGETS": "true",
    "QUAY_MAIL_SERVER": "127.0.0.1",
    "QUAY_MAIL_PORT": str(FEATURES_MAIL_PORT),
    "QUAY_MAIL_USE_TLS": "false",
}


@pytest.fixture(scope="session")
def features_mailbox() -> Iterator[Mailbox]:
    """The real SMTP server the features server sends its mail to."""
    with smtp_server_running(FEATURES_MAIL_PORT) as mailbox:
        yield mailbox


@pytest.fixture(scope="session")
def features_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, features_mailbox: Mailbox
) -> Iterator[RegistryServer]:
    """One server for the tests of capabilities behind a setting (FEATURES_SERVER_SETTINGS), so
    the shared server keeps the defaults. Its SMTP server is up before it starts."""
    with registry_server_of_its_own(request, tmp_path_factory, FEATURES_SERVER_SETTINGS) as server:
        yield server


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed:
        for log in item.config.stash.get(SERVER_LOGS, []):
            report.sections.append((f"registry server: tail of {log.name}", _log_tail(log)))
    return report


# Clients --------------------------------------------------------------------------------------


class ContainerTools:
    """podman, skopeo and buildah with their own storage, auth file, config and temp dirs."""

    def __init__(self, home: Path, registry: str) -> None:
        self.home = home
        self.registry = registry
        for directory in ("graph", "run", "tmp", "libpod", "files"):
            (home / directory).mkdir(parents=True)
        (home / "storage.conf").write_text(
            f'[storage]\ndriver = "vfs"\nrunroot = "{home / "run"}"\ngraphroot = "{home / "graph"}"\n'
        )
        (home / "containers.conf").write_text(
            f'[engine]\ntmp_dir = "{home / "libpod"}"\nevents_logger = "none"\ncgroup_manager = "cgroupfs"\n'
        )
        (home / "registries.conf").write_text("unqualified-search-registries = []\n")
        # buildah refuses to start when REGISTRY_AUTH_FILE names a missing file.
        self.auth_file = home / "auth.json"
        self.auth_file.write_text('{"auths": {}}\n')
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            "LANG": "C.UTF-8",
            "HOME": str(home),
            "TMPDIR": str(home / "tmp"),
            "XDG_RUNTIME_DIR": str(home / "run"),
            "CONTAINERS_STORAGE_CONF": str(home / "storage.conf"),
            "CONTAINERS_CONF": str(home / "containers.conf"),
            "CONTAINERS_REGISTRIES_CONF": str(home / "registries.conf"),
            "REGISTRY_AUTH_FILE": str(self.auth_file),
        }

    def run(self, *args: str, timeout: float = COMMAND_TIMEOUT) -> subprocess.CompletedProcess[str]:
        """Runs a client command that must succeed."""
        return _run_checked(list(args), env=self.env, cwd=self.home, timeout=timeout)

    def run_failing(self, *args: str, timeout: float = COMMAND_TIMEOUT) -> subprocess.CompletedProcess[str]:
        """Runs a client command that must fail, and returns it for its error output."""
        return _run_checked(list(args), env=self.env, cwd=self.home, timeout=timeout, succeed=False)

    def ref(self, repository_and_tag: str) -> str:
        """'alice/app:1' -> 'docker://127.0.0.1:PORT/alice/app:1'."""
        return f"docker://{self.registry}/{repository_and_tag}"

    def login(self, username: str) -> subprocess.CompletedProcess[str]:
        """podman login with the user's right password; the auth file then serves every tool."""
        password = PASSWORDS[username]
        return self.run(
            "podman", "login", "--tls-verify=false", "-u", username, "-p", password, self.registry
        )

    def image_build(self, name: str, layers: list[bytes], arch: str = "amd64") -> str:
        """Builds localhost/<name> from scratch, one commit per layer; returns the image id."""
        image = "scratch"
        for index, content in enumerate(layers):
            source = self.home / "files" / f"{name.replace('/', '_').replace(':', '_')}-{index}.bin"
            source.write_bytes(content)
            container = self.run("buildah", "from", "--pull=never", image).stdout.strip()
            self.run("buildah", "copy", "--quiet", container, str(source), f"/layer-{index}.bin")
            if index == len(layers) - 1:
                self.run(
                    "buildah", "config", "--arch", arch, "--os", "linux", "--cmd", "/layer-0.bin", container
                )
                image = self.run(
                    "buildah", "commit", "--quiet", "--rm", container, f"localhost/{name}"
                ).stdout
            else:
                image = self.run("buildah", "commit", "--quiet", "--rm", container).stdout
            image = image.strip()
        return image

    def push(self, image: str, repository_and_tag: str) -> None:
        self.run("podman", "push", "--tls-verify=false", f"localhost/{image}", self.ref(repository_and_tag))

    def inspect(self, repository_and_tag: str, *flags: str) -> dict:
        return json.loads(
            self.run("skopeo", "inspect", "--tls-verify=false", *flags, self.ref(repository_and_tag)).stdout
        )

    def inspect_raw(self, repository_and_reference: str) -> str:
        """The manifest's bytes exactly as the registry serves them."""
        return self.run(
            "skopeo", "inspect", "--raw", "--tls-verify=false", self.ref(repository_and_reference)
        ).stdout

    def manifest(self, repository_and_reference: str) -> dict:
        return json.loads(self.inspect_raw(repository_and_reference))


@pytest.fixture
def new_tools(registry_server: RegistryServer, tmp_path: Path) -> Callable[[str], ContainerTools]:
    """Makes a fresh, logged-out set of client tools; label names its directory."""

    def make(label: str) -> ContainerTools:
        return ContainerTools(tmp_path / f"tools-{label}", registry_server.host)

    return make


@pytest.fixture
def anonymous_tools(new_tools: Callable[[str], ContainerTools]) -> ContainerTools:
    return new_tools("anonymous")


@pytest.fixture
def alice_tools(new_tools: Callable[[str], ContainerTools]) -> ContainerTools:
    tools = new_tools("alice")
    tools.login("alice")
    return tools


@pytest.fixture
def bob_tools(new_tools: Callable[[str], ContainerTools]) -> ContainerTools:
    tools = new_tools("bob")
    tools.login("bob")
    return tools
