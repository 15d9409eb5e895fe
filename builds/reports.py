"""What the builder (builds.agent) reports, applied to its build: the same reports arrive
in-process from the local executor and over HTTP from a pod (builds.api.agent).

A report is a JSON object: {"type": "phase", "phase": P} for a running phase, {"type": "log",
"lines": [...], "kind": K}, {"type": "done", "phase": "complete" | "error", "error": ...} and
{"type": "heartbeat"}. The answer tells the builder whether to stop: the build was cancelled,
ended, or moved to another attempt.
"""

from __future__ import annotations

from dataclasses import dataclass

from builds.models import ENDED_PHASES, BuildLogEntry, RepositoryBuild
from builds.services.logs import build_log_append_many
from builds.services.phases import build_heartbeat, build_phase_set

Phase = RepositoryBuild.Phase
RUNNING_PHASES = (Phase.UNPACKING, Phase.PULLING, Phase.BUILDING, Phase.PUSHING)
DONE_PHASES = (Phase.COMPLETE, Phase.ERROR)
LINES_MAX = 1000


class ReportInvalid(ValueError):
    pass


@dataclass(frozen=True)
class ReportAnswer:
    stop: bool
    cancel: bool

    def as_json(self) -> dict:
        return {"stop": self.stop, "cancel": self.cancel}


def _current(build: RepositoryBuild, attempt: int) -> RepositoryBuild | None:
    fresh = RepositoryBuild.objects.filter(pk=build.pk).first()
    if fresh is None or fresh.phase in ENDED_PHASES or fresh.attempts != attempt:
        return None
    return fresh


def build_report_apply(*, build: RepositoryBuild, attempt: int, report: object) -> ReportAnswer:
    if not isinstance(report, dict):
        raise ReportInvalid("a report is a JSON object")
    kind = report.get("type")
    fresh = _current(build, attempt)
    if fresh is None:
        return ReportAnswer(stop=True, cancel=False)
    if kind == "phase":
        phase = report.get("phase")
        if phase not in RUNNING_PHASES:
            raise ReportInvalid(f"{phase!r} is not a running phase")
        build_phase_set(build=fresh, phase=phase, attempt=attempt)
    elif kind == "log":
        lines = report.get("lines")
        log_kind = report.get("kind", BuildLogEntry.Kind.TEXT)
        if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
            raise ReportInvalid("a log report's lines are strings")
        if log_kind not in BuildLogEntry.Kind.values or len(lines) > LINES_MAX:
            raise ReportInvalid(f"a log report has at most {LINES_MAX} lines of a known kind")
        if lines:
            build_log_append_many(build=fresh, lines=lines, kind=log_kind)
        build_heartbeat(build=fresh, attempt=attempt)
    elif kind == "done":
        phase = report.get("phase")
        # A builder stops as cancelled only when asked to.
        if phase not in DONE_PHASES and not (phase == Phase.CANCELLED and fresh.cancel_requested):
            raise ReportInvalid(f"{phase!r} is not how a build ends")
        error = str(report.get("error") or "")[:4000]
        build_phase_set(
            build=fresh, phase=phase, error=error if phase == Phase.ERROR else "", attempt=attempt
        )
        return ReportAnswer(stop=True, cancel=False)
    elif kind == "heartbeat":
        build_heartbeat(build=fresh, attempt=attempt)
    else:
        raise ReportInvalid(f"unknown report type {kind!r}")
    return ReportAnswer(stop=False, cancel=fresh.cancel_requested)
