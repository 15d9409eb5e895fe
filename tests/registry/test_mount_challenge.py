"""A mount works with the token a client gets from the challenge: the 401 asks for pull on the
source repository too, so the mount is real (201), not a silent new upload (202)."""

from __future__ import annotations

import re

import pytest

from registry.models import BlobUpload, RepositoryBlob
from tests.conftest import basic_auth
from tests.registry.pushing import push_blob

pytestmark = pytest.mark.django_db


def _challenge_scopes(response) -> list[str]:
    match = re.search(r'scope="([^"]*)"', response["WWW-Authenticate"])
    assert match, response["WWW-Authenticate"]
    return match.group(1).split(" ")


def test_mount_through_the_challenge_flow_is_created(client, as_alice):
    digest = push_blob(as_alice, "alice/source", b"shared layer")
    url = f"/v2/alice/app/blobs/uploads/?mount={digest}&from=alice/source"
    challenged = client.post(url)
    assert challenged.status_code == 401
    scopes = _challenge_scopes(challenged)
    assert scopes == ["repository:alice/app:push", "repository:alice/source:pull"]
    token = client.get(
        "/v2/auth", {"service": "testserver", "scope": scopes}, HTTP_AUTHORIZATION=basic_auth("alice")
    ).json()["token"]
    mounted = client.post(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert mounted.status_code == 201
    assert mounted["Docker-Content-Digest"] == digest
    assert RepositoryBlob.objects.filter(repository__name="app", blob__digest=digest).exists()
    assert not BlobUpload.objects.exists()


def test_challenge_never_echoes_a_source_that_is_not_a_name(client):
    response = client.post(f"/v2/alice/app/blobs/uploads/?mount=sha256:{'a' * 64}&from=x%22,realm%3D%22evil")
    assert response.status_code == 401
    assert _challenge_scopes(response) == ["repository:alice/app:push"]
    assert "evil" not in response["WWW-Authenticate"]


def test_upload_without_mount_asks_only_for_its_repository(client):
    response = client.post("/v2/alice/app/blobs/uploads/?from=alice/source")
    assert _challenge_scopes(response) == ["repository:alice/app:push"]
