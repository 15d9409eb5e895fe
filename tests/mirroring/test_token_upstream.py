"""A sync from a second instance of our own server: Docker token auth with credentials, an
anonymous pull of a public repository, and the refusal of a wrong password."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import urllib.request

import pytest

from mirroring.sync import mirror_sync
from registry.models import Manifest
from registry.services.tags import tag_live
from tests.e2e.conftest import PASSWORDS
from tests.mirroring.conftest import never_cancelled

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


@pytest.fixture
def upstream_image(registry_server, alice_tools) -> tuple[str, str]:
    """alice/<name>:1 on the upstream server; returns the name and the manifest's digest."""
    name = f"src{secrets.token_hex(3)}"
    alice_tools.image_build(name, [secrets.token_bytes(2048), secrets.token_bytes(1024)])
    alice_tools.push(name, f"alice/{name}:1")
    return name, alice_tools.inspect(f"alice/{name}:1")["Digest"]


def test_token_auth_with_credentials_copies_the_image(registry_server, upstream_image, new_mirror):
    name, digest = upstream_image
    mirror = new_mirror(
        "fromtoken", f"{registry_server.host}/alice/{name}", username="alice", password=PASSWORDS["alice"]
    )

    report = mirror_sync(mirror, cancelled=never_cancelled)

    assert report.failed_reason is None, report
    assert (
        tag := tag_live(repository=mirror.repository, name="1")
    ) is not None and tag.manifest.digest == digest
    assert report.bytes_copied > 3072


def test_token_auth_refuses_a_wrong_password(registry_server, upstream_image, new_mirror):
    name, _ = upstream_image
    mirror = new_mirror(
        "badtoken", f"{registry_server.host}/alice/{name}", username="alice", password="wrong"
    )

    report = mirror_sync(mirror, cancelled=never_cancelled)

    assert f"{registry_server.host} refused the credentials" in (report.failed_reason or "")


def test_anonymous_token_pulls_a_public_repository(registry_server, upstream_image, new_mirror):
    name, digest = upstream_image
    registry_server.shell(
        "from registry.models import Repository\n"
        f"Repository.objects.filter(namespace__name='alice', name='{name}').update(is_public=True)\n"
    )
    mirror = new_mirror("anontoken", f"{registry_server.host}/alice/{name}")

    report = mirror_sync(mirror, cancelled=never_cancelled)

    assert report.failed_reason is None, report
    assert (
        tag := tag_live(repository=mirror.repository, name="1")
    ) is not None and tag.manifest.digest == digest


def _push_referrer(server, repository: str, subject: str, subject_size: int) -> str:
    """A signature-like artifact on ``subject``, pushed over HTTP as oras would."""
    basic = base64.b64encode(f"alice:{PASSWORDS['alice']}".encode()).decode()
    scope = f"repository:{repository}:push,pull"
    request = urllib.request.Request(
        f"{server.url}/v2/auth?service={server.host}&scope={scope}",
        headers={"Authorization": f"Basic {basic}"},
    )
    token = json.loads(urllib.request.urlopen(request, timeout=10).read())["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    blobs = {"config": b"{}", "signature": secrets.token_bytes(64)}
    for data in blobs.values():
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        url = f"{server.url}/v2/{repository}/blobs/uploads/?digest={digest}"
        urllib.request.urlopen(
            urllib.request.Request(url, data=data, method="POST", headers=bearer), timeout=10
        )
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "artifactType": "application/vnd.example.signature",
            "config": {
                "mediaType": "application/vnd.oci.empty.v1+json",
                "digest": "sha256:" + hashlib.sha256(blobs["config"]).hexdigest(),
                "size": 2,
            },
            "layers": [
                {
                    "mediaType": "application/vnd.example.signature",
                    "digest": "sha256:" + hashlib.sha256(blobs["signature"]).hexdigest(),
                    "size": 64,
                }
            ],
            "subject": {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": subject,
                "size": subject_size,
            },
        }
    ).encode()
    digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
    headers = {**bearer, "Content-Type": "application/vnd.oci.image.manifest.v1+json"}
    url = f"{server.url}/v2/{repository}/manifests/{digest}"
    urllib.request.urlopen(
        urllib.request.Request(url, data=manifest, method="PUT", headers=headers), timeout=10
    )
    return digest


def test_referrers_come_along_through_the_referrers_api(
    registry_server, alice_tools, upstream_image, new_mirror
):
    name, digest = upstream_image
    subject_size = len(alice_tools.inspect_raw(f"alice/{name}:1").encode())
    referrer = _push_referrer(registry_server, f"alice/{name}", digest, subject_size)
    mirror = new_mirror(
        "withreferrer", f"{registry_server.host}/alice/{name}", username="alice", password=PASSWORDS["alice"]
    )

    report = mirror_sync(mirror, cancelled=never_cancelled)

    assert report.failed_reason is None, report
    stored = Manifest.objects.get(repository=mirror.repository, digest=referrer)
    assert stored.subject_digest == digest
    assert stored.artifact_type == "application/vnd.example.signature"
