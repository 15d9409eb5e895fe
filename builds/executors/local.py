"""Runs builds on this machine: builds.agent in a process of its own, in a fresh temporary root
(its vfs image storage, the unpacked context, the credentials files), removed afterwards.

The agent's JSON lines are applied to the build here (builds.reports), so a local build needs no
HTTP round trip. With jobs in-process the build runs on a thread of its own, leaving the job
thread free; on an rq worker it runs in the job, so each worker builds one at a time. Once a
second this executor records a heartbeat and looks for a cancel, which may have been asked
through any process: then the agent's whole process group is killed.
"""

from __future__ import annotations

import json
import logging
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections

from builds.executors.base import BuildExecutor, BuildJob, ExecutorError
from builds.models import BuildLogEntry, RepositoryBuild
from builds.reports import LINES_MAX, ReportInvalid, build_report_apply
from builds.services.logs import build_log_append_many
from builds.services.phases import build_phase_set
from registry.storage import preferred_location, storage_for
from registry.storage.paths import filedrop_path

logger = logging.getLogger(__name__)
BASE_DIR = Path(__file__).resolve().parent.parent.parent
Phase = RepositoryBuild.Phase
POLL_SECONDS = 1.0
KILL_GRACE_SECONDS = 5.0


class LocalExecutor(BuildExecutor):
    name = "local"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, build: RepositoryBuild, job: BuildJob) -> None:
        root = Path(tempfile.mkdtemp(prefix=f"quay-build-{build.uuid}-"))
        try:
            job = self._materialize(job, root)
            (root / "job.json").write_text(json.dumps(job.as_json()))
            (root / "job.json").chmod(0o600)
        except OSError as exc:
            shutil.rmtree(root, ignore_errors=True)
            raise ExecutorError(f"could not prepare the build: {exc}") from None
        if settings.JOBS_IN_PROCESS:
            threading.Thread(
                target=self._run, args=(build, job, root), name=f"build-{build.uuid}", daemon=True
            ).start()
        else:
            self._run(build, job, root)

    def cancel(self, build: RepositoryBuild) -> None:
        with self._lock:
            process = self._processes.get(str(build.uuid))
        if process is not None:
            _terminate(process)

    def _materialize(self, job: BuildJob, root: Path) -> BuildJob:
        """An uploaded context is copied next to the agent, which then reads no storage."""
        if job.source["kind"] != "archive":
            return job
        upload = root / "upload"
        with storage_for(preferred_location()).open(filedrop_path(job.source["resource_key"])) as stream:
            with upload.open("wb") as out:
                shutil.copyfileobj(stream, out, 1024 * 1024)
        return replace(job, source={**job.source, "path": str(upload)})

    def _run(self, build: RepositoryBuild, job: BuildJob, root: Path) -> None:
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "builds.agent", str(root / "job.json"), "--workdir", str(root)],
                cwd=BASE_DIR,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as exc:
            build_phase_set(
                build=build, phase=Phase.ERROR, error=f"the builder did not start: {exc}", attempt=job.attempt
            )
            shutil.rmtree(root, ignore_errors=True)
            return
        with self._lock:
            self._processes[job.build_uuid] = process
        try:
            self._watch(build, job, process)
        except Exception:
            logger.exception("watching build %s failed", job.build_uuid)
            _terminate(process)
            build_phase_set(
                build=build,
                phase=Phase.ERROR,
                error="the build manager lost the builder",
                attempt=job.attempt,
            )
        finally:
            with self._lock:
                self._processes.pop(job.build_uuid, None)
            shutil.rmtree(root, ignore_errors=True)
            close_old_connections()

    def _watch(self, build: RepositoryBuild, job: BuildJob, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(process.stdout, selectors.EVENT_READ)
        buffer = b""
        done = False
        cancelled = False
        last_poll = 0.0
        while True:
            ready = selector.select(timeout=POLL_SECONDS)
            chunk = os.read(process.stdout.fileno(), 65536) if ready else None
            if chunk == b"":
                break
            if chunk:
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                done = self._apply(build, job, lines) or done
            if time.monotonic() - last_poll >= POLL_SECONDS:
                last_poll = time.monotonic()
                answer = build_report_apply(build=build, attempt=job.attempt, report={"type": "heartbeat"})
                if (answer.cancel or answer.stop) and not cancelled:
                    cancelled = True
                    _terminate(process)
        selector.close()
        status = process.wait()
        if buffer:
            done = self._apply(build, job, [buffer]) or done
        if cancelled and not done:
            build_phase_set(build=build, phase=Phase.CANCELLED, attempt=job.attempt)
        elif not done:
            build_phase_set(
                build=build,
                phase=Phase.ERROR,
                error=f"the builder exited with status {status}",
                attempt=job.attempt,
            )

    def _apply(self, build: RepositoryBuild, job: BuildJob, raw_lines: list[bytes]) -> bool:
        """Applies a chunk's reports, consecutive log lines in one append; True once a
        report ended the build."""
        done = False
        pending: list[str] = []
        pending_kind = "text"

        def flush() -> None:
            for start in range(0, len(pending), LINES_MAX):
                report = {"type": "log", "lines": pending[start : start + LINES_MAX], "kind": pending_kind}
                build_report_apply(build=build, attempt=job.attempt, report=report)
            pending.clear()

        for raw in raw_lines:
            text = raw.decode(errors="replace")
            try:
                report = json.loads(text)
            except ValueError:
                report = {"type": "log", "lines": [text], "kind": "text"}
            if not isinstance(report, dict):
                report = {"type": "log", "lines": [text], "kind": "text"}
            if report.get("type") == "log" and isinstance(report.get("lines"), list):
                kind = str(report.get("kind", "text"))
                if kind not in BuildLogEntry.Kind.values:
                    kind = "text"
                if kind != pending_kind:
                    flush()
                    pending_kind = kind
                pending.extend(str(line) for line in report["lines"])
                continue
            flush()
            try:
                build_report_apply(build=build, attempt=job.attempt, report=report)
            except ReportInvalid as exc:
                build_log_append_many(
                    build=build, lines=[f"the builder reported nonsense: {exc}"], kind="error"
                )
            done = done or report.get("type") == "done"
        flush()
        return done


def _terminate(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=KILL_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
