"""A sync from a second instance of our own server: Docker token auth with credentials, an
anonymous pull of a public repository, and the refusal of a wrong password."""

from __future__ import annotations

import secrets

import pytest

from mirroring.sync import mirror_sync
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
    assert tag_live(repository=mirror.repository, name="1").manifest.digest == digest
    assert report.bytes_copied > 3072


def test_token_auth_refuses_a_wrong_password(registry_server, upstream_image, new_mirror):
    name, _ = upstream_image
    mirror = new_mirror(
        "badtoken", f"{registry_server.host}/alice/{name}", username="alice", password="wrong"
    )

    report = mirror_sync(mirror, cancelled=never_cancelled)

    assert f"{registry_server.host} refused the credentials" in report.failed_reason


def test_anonymous_token_pulls_a_public_repository(registry_server, upstream_image, new_mirror):
    name, digest = upstream_image
    registry_server.shell(
        "from registry.models import Repository\n"
        f"Repository.objects.filter(namespace__name='alice', name='{name}').update(is_public=True)\n"
    )
    mirror = new_mirror("anontoken", f"{registry_server.host}/alice/{name}")

    report = mirror_sync(mirror, cancelled=never_cancelled)

    assert report.failed_reason is None, report
    assert tag_live(repository=mirror.repository, name="1").manifest.digest == digest
