"""The build API on Quay's paths and JSON: a filedrop then a build request from it, the list,
one build, its status and logs by index, cancel; readers read and writers request and cancel;
bad input is a 400 in the API's error format with nothing queued."""

from __future__ import annotations

import pytest

from builds.models import RepositoryBuild
from builds.services import build_log_append
from registry.services.permissions import permission_set
from tests.builds.conftest import DOCKERFILE, context_tar

pytestmark = pytest.mark.django_db
BUILDS = "/api/v1/repository/alice/app/build/"


def _upload(client, content: bytes) -> str:
    response = client.post(
        "/api/v1/filedrop/", {"mimeType": "application/x-tar"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    drop = response.json()
    put = client.put(drop["url"], data=content, content_type="application/x-tar")
    assert put.status_code == 200, put.content
    return drop["file_id"]


def _request(client, body: dict):
    return client.post(BUILDS, body, content_type="application/json")


def test_filedrop_then_build_request_answers_quays_build(alice_client, repository):
    file_id = _upload(alice_client, context_tar({"sub/Dockerfile": DOCKERFILE}))
    response = _request(alice_client, {"file_id": file_id, "subdirectory": "sub", "docker_tags": ["v2"]})
    assert response.status_code == 201, response.content
    build = response.json()
    assert response["Location"] == f"{BUILDS}{build['id']}/status"
    assert build["phase"] == "waiting"
    assert (build["context"], build["dockerfile_path"], build["tags"]) == ("/sub", "/sub/Dockerfile", ["v2"])
    assert build["repository"] == {"namespace": "alice", "name": "app"}
    assert build["resource_key"] == file_id and build["is_writer"] is True
    listed = alice_client.get(BUILDS).json()["builds"]
    assert [entry["id"] for entry in listed] == [build["id"]]
    assert alice_client.get(f"{BUILDS}{build['id']}").json()["phase"] == "waiting"


def test_a_bad_context_is_a_400_and_nothing_queued(alice_client, repository):
    file_id = _upload(alice_client, context_tar({"README": b"no dockerfile"}))
    response = _request(alice_client, {"file_id": file_id})
    assert response.status_code == 400
    assert "no Dockerfile at /Dockerfile" in response.json()["detail"]
    assert response.json()["error_type"]
    assert not RepositoryBuild.objects.exists()


def test_request_without_a_source_is_a_400(alice_client, repository):
    response = _request(alice_client, {"docker_tags": ["v1"]})
    assert response.status_code == 400
    assert "file_id or archive_url required" in response.content.decode()


def test_archive_url_must_be_http(alice_client, repository):
    response = _request(alice_client, {"archive_url": "file:///etc/passwd"})
    assert response.status_code == 400
    assert "Must be http or https" in response.json()["detail"]


def test_a_filedrop_put_with_a_bad_signature_is_refused(alice_client, repository):
    response = alice_client.post(
        "/api/v1/filedrop/", {"mimeType": "text/plain"}, content_type="application/json"
    )
    url = response.json()["url"].rsplit("=", 1)[0] + "=forged"
    assert alice_client.put(url, data=DOCKERFILE).status_code == 403


def test_logs_page_from_an_index_in_quays_entries(alice_client, repository):
    file_id = _upload(alice_client, DOCKERFILE)
    build_id = _request(alice_client, {"file_id": file_id}).json()["id"]
    build = RepositoryBuild.objects.get(uuid=build_id)
    for line in ("one", "two", "three"):
        build_log_append(build=build, message=line, kind="command" if line == "two" else "text")
    body = alice_client.get(f"{BUILDS}{build_id}/logs", {"start": 1}).json()
    assert (body["start"], body["total"]) == (1, 3)
    assert [entry["message"] for entry in body["logs"]] == ["two", "three"]
    assert body["logs"][0]["type"] == "command" and "type" not in body["logs"][1]
    assert body["logs"][0]["data"]["phase"] == "waiting"


def test_reader_reads_but_may_not_request_or_cancel(alice, alice_client, bob, bob_client, repository):
    permission_set(repository=repository, user=bob, role="read", actor=alice)
    file_id = _upload(alice_client, DOCKERFILE)
    build_id = _request(alice_client, {"file_id": file_id}).json()["id"]
    assert bob_client.get(f"{BUILDS}{build_id}/status").json()["is_writer"] is False
    assert _request(bob_client, {"file_id": _upload(bob_client, DOCKERFILE)}).status_code == 403
    assert bob_client.delete(f"{BUILDS}{build_id}").status_code == 403


def test_cancel_answers_okay_then_400_once_ended(alice_client, repository):
    build_id = _request(alice_client, {"file_id": _upload(alice_client, DOCKERFILE)}).json()["id"]
    response = alice_client.delete(f"{BUILDS}{build_id}")
    assert (response.status_code, response.json()) == (201, "Okay")
    assert alice_client.get(f"{BUILDS}{build_id}").json()["phase"] == "cancelled"
    assert alice_client.delete(f"{BUILDS}{build_id}").status_code == 400


def test_unknown_build_is_a_404(alice_client, repository):
    assert alice_client.get(f"{BUILDS}00000000-0000-0000-0000-000000000000").status_code == 404
    assert alice_client.get(f"{BUILDS}not-a-uuid/status").status_code == 404


def test_namespace_cap_answers_429(alice_client, repository, settings):
    settings.DEFAULT_NAMESPACE_MAXIMUM_BUILD_COUNT = 0
    response = _request(alice_client, {"file_id": _upload(alice_client, DOCKERFILE)})
    assert response.status_code == 429
