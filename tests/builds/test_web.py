"""The Builds tab: readers see the list and a build's page with its log; writers get the start
form, whose upload becomes a queued build, and a cancel button; a bad upload shows the reason
on the form and queues nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from builds.models import RepositoryBuild
from builds.services import build_log_append
from registry.services.permissions import permission_set
from tests.builds.conftest import DOCKERFILE, context_tar

pytestmark = pytest.mark.django_db
TAB = "/repository/alice/app/-/builds"


def _start(client, content: bytes, **fields: str):
    upload = SimpleUploadedFile("context.tar.gz", content, content_type="application/gzip")
    data = {"docker_tags": "v1, latest", "dockerfile_path": "/Dockerfile", "context": "/", **fields}
    return client.post(f"{TAB}/start", {"context_file": upload, **data})


def test_writer_starts_a_build_from_an_upload_and_sees_its_page(alice_client, repository):
    response = _start(alice_client, context_tar({"Dockerfile": DOCKERFILE}), build_args="A=1")
    build = RepositoryBuild.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{TAB}/{build.uuid}"
    assert (build.tags, build.build_args) == (["v1", "latest"], {"A": "1"})
    build_log_append(build=build, message="STEP 1/2: FROM scratch", kind="command")
    page = alice_client.get(f"{TAB}/{build.uuid}").content.decode()
    assert "STEP 1/2: FROM scratch" in page and 'id="cancel-build"' in page
    listing = alice_client.get(TAB).content.decode()
    assert f'data-build="{build.uuid}"' in listing and 'id="builds-tab"' in listing


def test_a_bad_upload_is_refused_on_the_form(alice_client, repository):
    response = _start(alice_client, context_tar({"README": b"x"}))
    assert response.status_code == 400
    assert "no Dockerfile at /Dockerfile" in response.content.decode()
    assert not RepositoryBuild.objects.exists()


def test_reader_sees_builds_without_the_form_or_cancel(alice, alice_client, bob, bob_client, repository):
    permission_set(repository=repository, user=bob, role="read", actor=alice)
    _start(alice_client, DOCKERFILE)
    build = RepositoryBuild.objects.get()
    listing = bob_client.get(TAB).content.decode()
    assert 'id="start-build"' not in listing and str(build.uuid) in listing
    assert 'id="cancel-build"' not in bob_client.get(f"{TAB}/{build.uuid}").content.decode()
    assert bob_client.post(f"{TAB}/{build.uuid}/cancel").status_code == 302
    build.refresh_from_db()
    assert build.phase == RepositoryBuild.Phase.WAITING


def test_cancel_button_cancels(alice_client, repository):
    _start(alice_client, DOCKERFILE)
    build = RepositoryBuild.objects.get()
    alice_client.post(f"{TAB}/{build.uuid}/cancel")
    build.refresh_from_db()
    assert build.phase == RepositoryBuild.Phase.CANCELLED
