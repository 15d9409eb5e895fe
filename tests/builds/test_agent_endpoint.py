"""The builder's endpoints for a pod: reports with the build's agent token move its phase and
append its lines, answering whether to stop; the upload is served to it; any other token is a
401 and nonsense a 400."""

from __future__ import annotations

import json

import pytest

from builds.models import BuildLogEntry, RepositoryBuild
from builds.services import build_request_create
from builds.tokens import build_token_issue

Phase = RepositoryBuild.Phase


@pytest.fixture
def build(alice, repository, context_drop) -> RepositoryBuild:
    built = build_request_create(
        repository=repository,
        actor=alice,
        source={"kind": "archive", "resource_key": str(context_drop.file_id)},
    )
    RepositoryBuild.objects.filter(pk=built.pk).update(
        attempts=1, phase=Phase.BUILD_SCHEDULED, executor="kubernetes"
    )
    built.refresh_from_db()
    return built


def _report(client, build: RepositoryBuild, report: object, purpose: str = "agent", attempt: int = 1):
    token = build_token_issue(build_uuid=str(build.uuid), attempt=attempt, purpose=purpose)
    return client.post(
        f"/build-agent/{build.uuid}/",
        data=json.dumps(report),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_reports_move_the_phase_and_append_lines(client, build):
    assert _report(client, build, {"type": "phase", "phase": "building"}).json() == {
        "stop": False,
        "cancel": False,
    }
    _report(client, build, {"type": "log", "lines": ["STEP 1/2", "ok"], "kind": "text"})
    build.refresh_from_db()
    assert build.phase == Phase.BUILDING
    messages = list(
        BuildLogEntry.objects.filter(build=build).order_by("index").values_list("message", flat=True)
    )
    assert messages == ["building", "STEP 1/2", "ok"]
    assert _report(client, build, {"type": "done", "phase": "complete"}).json()["stop"] is True
    build.refresh_from_db()
    assert build.phase == Phase.COMPLETE


def test_a_cancel_is_told_to_the_builder(client, build):
    RepositoryBuild.objects.filter(pk=build.pk).update(cancel_requested=True)
    assert _report(client, build, {"type": "heartbeat"}).json() == {"stop": False, "cancel": True}
    _report(client, build, {"type": "done", "phase": "cancelled"})
    build.refresh_from_db()
    assert build.phase == Phase.CANCELLED


def test_other_tokens_and_nonsense_are_refused(client, build):
    assert _report(client, build, {"type": "heartbeat"}, purpose="push").status_code == 401
    assert _report(client, build, {"type": "phase", "phase": "complete"}).status_code == 400
    # A lost attempt's reports change nothing and tell it to stop.
    assert _report(client, build, {"type": "phase", "phase": "building"}, attempt=2).json()["stop"] is True
    build.refresh_from_db()
    assert build.phase == Phase.BUILD_SCHEDULED


def test_the_upload_is_served_to_the_builder(client, build, context_drop):
    token = build_token_issue(build_uuid=str(build.uuid), attempt=1, purpose="agent")
    response = client.get(f"/build-agent/{build.uuid}/context", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"\x1f\x8b"
    assert client.get(f"/build-agent/{build.uuid}/context").status_code == 401
