"""The builder: runs one build (a BuildJob as JSON) and reports as it goes.

``python -m builds.agent JOB.json [--workdir DIR]``. It imports nothing but the standard
library, so it runs in a builder pod as well as beside the server: unpack the context (or clone
the git source), pull the base images, ``buildah bud --isolation chroot`` with vfs storage in a
fresh root of its own, push each tag. Reports (builds.reports) go to stdout as JSON lines, or,
when the job names an ``agent_url``, over HTTP with the job's agent token; an answer asking it
to stop ends the running command and the build.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import IO, Any

COMMAND_TIMEOUT = 3600
FROM_RE = re.compile(
    r"^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", re.IGNORECASE | re.MULTILINE
)
HEARTBEAT_SECONDS = 5.0


class BuildFailed(Exception):
    """The build cannot go on; the message is the build's error."""


class BuildStopped(Exception):
    """The registry asked the builder to stop (a cancel, or the build moved on without it)."""


class Reporter:
    stop_requested = False
    cancel_requested = False

    def send(self, report: dict) -> None:
        raise NotImplementedError

    def phase(self, phase: str) -> None:
        self.send({"type": "phase", "phase": phase})

    def log(self, line: str, kind: str = "text") -> None:
        self.send({"type": "log", "lines": [line], "kind": kind})

    def close(self) -> None:
        pass


class StdoutReporter(Reporter):
    """For the local executor, which reads the lines and answers by signals."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.lock = threading.Lock()

    def send(self, report: dict) -> None:
        with self.lock:
            self.stream.write(json.dumps(report) + "\n")
            self.stream.flush()


class HttpReporter(Reporter):
    """POSTs reports to the agent endpoint; log lines go in batches a quarter second apart."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url.rstrip("/") + "/"
        self.token = token
        self.pending: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.closing = threading.Event()
        self.flusher = threading.Thread(target=self._flush_loop, daemon=True)
        self.flusher.start()

    def _post(self, report: dict) -> None:
        request = urllib.request.Request(
            self.url,
            data=json.dumps(report).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
            method="POST",
        )
        for attempt in range(5):
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    answer = json.loads(response.read() or b"{}")
                self.stop_requested = self.stop_requested or bool(answer.get("stop"))
                self.cancel_requested = self.cancel_requested or bool(answer.get("cancel"))
                return
            except OSError:
                if attempt == 4:
                    raise
                time.sleep(1 + attempt)

    def _flush(self) -> None:
        with self.lock:
            pending, self.pending = self.pending, []
        batch: list[str] = []
        for index, (line, kind) in enumerate(pending):
            batch.append(line)
            if index + 1 == len(pending) or pending[index + 1][1] != kind or len(batch) >= 500:
                self._post({"type": "log", "lines": batch, "kind": kind})
                batch = []

    def _flush_loop(self) -> None:
        last = time.monotonic()
        while not self.closing.wait(0.25):
            if self.pending:
                self._flush()
                last = time.monotonic()
            elif time.monotonic() - last > HEARTBEAT_SECONDS:
                self._post({"type": "heartbeat"})
                last = time.monotonic()

    def send(self, report: dict) -> None:
        if report["type"] == "log":
            with self.lock:
                self.pending += [(line, report["kind"]) for line in report["lines"]]
            return
        self._flush()
        self._post(report)

    def close(self) -> None:
        self.closing.set()
        self.flusher.join(5)
        self._flush()


class Builder:
    def __init__(self, job: dict, reporter: Reporter, root: Path) -> None:
        self.job = job
        self.reporter = reporter
        self.root = root
        self.source_dir = root / "src"
        self.image = f"localhost/quay-build-{job['build_uuid']}"
        self.child: subprocess.Popen[str] | None = None
        self.env = self._environment()

    def _environment(self) -> dict[str, str]:
        root = self.root
        for directory in ("graph", "run", "tmp", "home"):
            (root / directory).mkdir(parents=True, exist_ok=True)
        (root / "storage.conf").write_text(
            f'[storage]\ndriver = "vfs"\nrunroot = "{root / "run"}"\ngraphroot = "{root / "graph"}"\n'
        )
        (root / "containers.conf").write_text(
            f'[engine]\ntmp_dir = "{root / "tmp"}"\nevents_logger = "none"\ncgroup_manager = "cgroupfs"\n'
        )
        registries = 'unqualified-search-registries = ["docker.io"]\n'
        if not self.job["registry_tls"]:
            # A plain-HTTP registry (make run's default): also for a base image that only
            # buildah bud itself pulls (a FROM naming a build argument).
            registries += f'[[registry]]\nlocation = "{self.job["registry_host"]}"\ninsecure = true\n'
        (root / "registries.conf").write_text(registries)
        self._auth_file_write(root / "pull-auth.json", self.job.get("pull_credentials"))
        self._auth_file_write(root / "push-auth.json", self.job["push_credentials"])
        return {
            "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            "LANG": "C.UTF-8",
            "HOME": str(root / "home"),
            "TMPDIR": str(root / "tmp"),
            "XDG_RUNTIME_DIR": str(root / "run"),
            "CONTAINERS_STORAGE_CONF": str(root / "storage.conf"),
            "CONTAINERS_CONF": str(root / "containers.conf"),
            "CONTAINERS_REGISTRIES_CONF": str(root / "registries.conf"),
            "REGISTRY_AUTH_FILE": str(root / "pull-auth.json"),
            "BUILDAH_ISOLATION": "chroot",
            "GIT_TERMINAL_PROMPT": "0",
        }

    def _auth_file_write(self, path: Path, credentials: list | tuple | None) -> None:
        auths = {}
        if credentials:
            encoded = base64.b64encode(f"{credentials[0]}:{credentials[1]}".encode()).decode()
            auths[self.job["registry_host"]] = {"auth": encoded}
        path.write_text(json.dumps({"auths": auths}))
        path.chmod(0o600)

    def _check_stop(self) -> None:
        if self.reporter.stop_requested or self.reporter.cancel_requested:
            raise BuildStopped()

    def run_command(self, args: list[str], *, show: str | None = None, cwd: Path | None = None) -> None:
        """Runs a command, each output line a log line; a non-zero exit fails the build."""
        self._check_stop()
        self.reporter.log(show or " ".join(args), kind="command")
        self.child = subprocess.Popen(
            args,
            cwd=cwd or self.root,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            start_new_session=True,
        )
        assert self.child.stdout is not None
        for line in self.child.stdout:
            self.reporter.log(line.rstrip("\n"))
            if self.reporter.stop_requested or self.reporter.cancel_requested:
                self.child_kill()
        status = self.child.wait(timeout=COMMAND_TIMEOUT)
        self._check_stop()
        if status != 0:
            raise BuildFailed(f"{args[0]} {args[1]} exited with status {status}")

    def child_kill(self) -> None:
        child = self.child
        if child is not None and child.poll() is None:
            try:
                os.killpg(child.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def tls_flag(self, image: str) -> str:
        ours = image.split("/", 1)[0] == self.job["registry_host"]
        return f"--tls-verify={'true' if self.job['registry_tls'] or not ours else 'false'}"

    def unpack(self) -> None:
        self.reporter.phase("unpacking")
        source = self.job["source"]
        self.source_dir.mkdir()
        if source["kind"] == "git":
            self._clone(source)
            return
        # The local executor copies an upload beside the builder; a pod fetches it from the
        # agent endpoint with its token; an archive_url is fetched as it is.
        if source.get("path"):
            upload = Path(source["path"])
        else:
            upload = self._download(source["url"], authorized=source["kind"] == "archive")
        if source.get("format") == "dockerfile":
            shutil.copyfile(upload, self.source_dir / "Dockerfile")
            return
        try:
            with tarfile.open(upload, mode="r:*") as archive:
                # The "data" filter refuses members leaving the directory, links out of it and
                # device files.
                archive.extractall(self.source_dir, filter="data")
        except (tarfile.TarError, OSError) as exc:
            raise BuildFailed(f"the build context could not be unpacked: {exc}") from None

    def _download(self, url: str, *, authorized: bool) -> Path:
        target = self.root / "upload"
        headers = {"Authorization": f"Bearer {self.job['agent_token']}"} if authorized else {}
        self.reporter.log(
            f"fetching the build context from {url}" if not authorized else "fetching the build context",
            kind="command",
        )
        try:
            request = urllib.request.Request(url, headers=headers)
            with urllib.request.urlopen(request, timeout=60) as response, target.open("wb") as out:
                shutil.copyfileobj(response, out, 1024 * 1024)
        except OSError as exc:
            raise BuildFailed(f"the build context could not be fetched: {exc}") from None
        return target

    def _clone(self, source: dict) -> None:
        key = source.get("private_key") or ""
        if key:
            key_file = self.root / "deploy-key"
            key_file.write_text(key if key.endswith("\n") else key + "\n")
            key_file.chmod(0o600)
            known = self.root / "known_hosts"
            self.env["GIT_SSH_COMMAND"] = (
                f"ssh -i {key_file} -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new "
                f"-o UserKnownHostsFile={known}"
            )
        url = source["url"]
        self.run_command(["git", "clone", "--quiet", "--no-checkout", "--", url, str(self.source_dir)])
        revision = source.get("commit") or source.get("ref") or "HEAD"
        if source.get("ref") and not source.get("commit"):
            self.run_command(["git", "fetch", "--quiet", "origin", "--", revision], cwd=self.source_dir)
            revision = "FETCH_HEAD"
        self.run_command(["git", "checkout", "--quiet", "--detach", revision, "--"], cwd=self.source_dir)

    def paths(self) -> tuple[Path, Path]:
        context = (self.source_dir / self.job["context"]).resolve()
        dockerfile = (self.source_dir / self.job["dockerfile_path"]).resolve()
        if not context.is_relative_to(self.source_dir.resolve()) or not dockerfile.is_relative_to(context):
            raise BuildFailed("the Dockerfile or the context leaves the build source")
        if not context.is_dir():
            raise BuildFailed(f"no context directory /{self.job['context']} in the build source")
        if not dockerfile.is_file():
            raise BuildFailed(f"no Dockerfile at /{self.job['dockerfile_path']} in the build source")
        return context, dockerfile

    def pull(self, dockerfile: Path) -> None:
        self.reporter.phase("pulling")
        stages: set[str] = set()
        for image, alias in FROM_RE.findall(dockerfile.read_text(errors="replace")):
            if image.lower() != "scratch" and image.lower() not in stages and "$" not in image:
                self.run_command(["buildah", "pull", self.tls_flag(image), "--quiet", image])
            if alias:
                stages.add(alias.lower())

    def build(self, context: Path, dockerfile: Path) -> None:
        self.reporter.phase("building")
        args = [
            "buildah",
            "bud",
            "--isolation",
            "chroot",
            "--pull=false",
            "-f",
            str(dockerfile),
            "-t",
            self.image,
        ]
        for name, value in self.job["build_args"].items():
            args += ["--build-arg", f"{name}={value}"]
        self.run_command(
            [*args, str(context)], show=" ".join(args[:2] + [f"-f {self.job['dockerfile_path']}"])
        )

    def push(self) -> None:
        self.reporter.phase("pushing")
        for target in self.job["push_targets"]:
            self.run_command(
                [
                    "buildah", "push", "--authfile", str(self.root / "push-auth.json"),
                    self.tls_flag(target), self.image, f"docker://{target}",
                ],
                show=f"buildah push {target}",
            )  # fmt: skip

    def run(self) -> None:
        try:
            self.unpack()
            context, dockerfile = self.paths()
            self.pull(dockerfile)
            self.build(context, dockerfile)
            self.push()
        except BuildStopped:
            self.reporter.send({"type": "done", "phase": "cancelled"})
        except BuildFailed as exc:
            self.reporter.send({"type": "done", "phase": "error", "error": str(exc)})
        else:
            self.reporter.send({"type": "done", "phase": "complete"})


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 4) or (len(argv) == 4 and argv[2] != "--workdir"):
        sys.stderr.write("usage: python -m builds.agent JOB.json [--workdir DIR]\n")
        return 2
    job: dict[str, Any] = json.loads(Path(argv[1]).read_text())
    root = Path(argv[3]) if len(argv) == 4 else Path(tempfile.mkdtemp(prefix="quay-build-"))
    reporter: Reporter = (
        HttpReporter(job["agent_url"], job["agent_token"])
        if job.get("agent_url")
        else StdoutReporter(sys.stdout)
    )
    builder = Builder(job, reporter, root / "work")

    def stop(signum: int, frame: object) -> None:
        # A cancel from the local executor, or a pod's deletion: stop the command running.
        reporter.cancel_requested = True
        builder.child_kill()

    signal.signal(signal.SIGTERM, stop)
    try:
        builder.run()
    finally:
        reporter.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
