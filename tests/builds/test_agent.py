"""The builder's source handling, without buildah: a git source is cloned at its commit, an
archive member leaving the context is refused, a missing Dockerfile fails the build with its
path; every step is reported."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

import pytest

from builds.agent import Builder, BuildFailed, Reporter


class Recorder(Reporter):
    def __init__(self) -> None:
        self.reports: list[dict] = []

    def send(self, report: dict) -> None:
        self.reports.append(report)


def _job(source: dict, dockerfile_path: str = "Dockerfile", context: str = "") -> dict:
    return {
        "build_uuid": "00000000-0000-0000-0000-000000000001",
        "source": source,
        "context": context,
        "dockerfile_path": dockerfile_path,
        "build_args": {},
        "push_targets": [],
        "registry_host": "127.0.0.1:1",
        "registry_tls": False,
        "push_credentials": ["$buildtoken", "x"],
        "pull_credentials": None,
        "agent_token": "",
    }


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip


def test_a_git_source_is_cloned_at_its_commit(tmp_path):
    origin = tmp_path / "origin"
    origin.mkdir()
    _git(origin, "init", "--quiet", "-b", "main")
    (origin / "app").mkdir()
    (origin / "app" / "Dockerfile").write_text("FROM scratch\n")
    _git(origin, "add", ".")
    _git(origin, "commit", "--quiet", "-m", "one")
    first = _git(origin, "rev-parse", "HEAD")
    (origin / "app" / "Dockerfile").write_text("FROM scratch\nLABEL two=2\n")
    _git(origin, "commit", "--quiet", "-am", "two")
    reporter = Recorder()
    source = {"kind": "git", "url": f"file://{origin}", "ref": "refs/heads/main", "commit": first}
    builder = Builder(_job(source, "app/Dockerfile", "app"), reporter, tmp_path / "work")
    builder.unpack()
    context, dockerfile = builder.paths()
    assert dockerfile.read_text() == "FROM scratch\n" and context.name == "app"
    assert reporter.reports[0] == {"type": "phase", "phase": "unpacking"}
    assert any(
        report.get("kind") == "command" and "git clone" in report["lines"][0] for report in reporter.reports
    )


def _archive(tmp_path: Path, name: str) -> Path:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        member = tarfile.TarInfo(name)
        member.size = 1
        archive.addfile(member, io.BytesIO(b"x"))
    path = tmp_path / "upload.tar"
    path.write_bytes(buffer.getvalue())
    return path


def test_an_archive_member_leaving_the_context_fails_the_build(tmp_path):
    upload = _archive(tmp_path, "../escape")
    builder = Builder(
        _job({"kind": "archive", "path": str(upload), "format": "archive"}), Recorder(), tmp_path / "w"
    )
    with pytest.raises(BuildFailed, match="could not be unpacked"):
        builder.unpack()
    assert not (tmp_path / "escape").exists()


def test_a_missing_dockerfile_fails_with_its_path(tmp_path):
    upload = _archive(tmp_path, "README")
    builder = Builder(
        _job({"kind": "archive", "path": str(upload), "format": "archive"}), Recorder(), tmp_path / "w"
    )
    builder.unpack()
    with pytest.raises(BuildFailed, match="no Dockerfile at /Dockerfile"):
        builder.paths()
