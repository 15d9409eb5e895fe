"""Air-gapped transfer: `manage.py export` on one registry's database and storage, `manage.py
import` into another's; the manifests and blobs arrive byte for byte, a second import stores no
blob twice, and a tarball with one byte changed is refused with nothing imported."""

from __future__ import annotations

import io
import json
import os
import secrets
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import (
    BIN,
    ROOT,
    ContainerTools,
    _database_created,
    _run_checked,
    _server_env,
    _server_prepare,
)

if TYPE_CHECKING:
    import subprocess

    from tests.e2e.conftest import RegistryServer

pytestmark = pytest.mark.e2e

# What a registry holds for alice/transfer: each live tag's digest, each manifest's bytes'
# sha256, and each linked blob's stored bytes' digest.
HOLDINGS = """
import hashlib, json
from registry.models import Blob, Repository, Tag
from registry.storage import storage_for
from registry.storage.paths import blob_path
repository = Repository.objects.filter(namespace__name="alice", name="transfer").first()
if repository is None:
    print(json.dumps({"blobs_anywhere": Blob.objects.count()}))
else:
    blobs = {}
    for blob in Blob.objects.filter(repository_links__repository=repository):
        with storage_for(blob.placements.first().location).open(blob_path(blob.digest)) as stream:
            blobs[blob.digest] = "sha256:" + hashlib.sha256(stream.read()).hexdigest()
    print(json.dumps({
        "tags": {t.name: t.manifest.digest
                 for t in Tag.objects.filter(repository=repository, end__isnull=True)},
        "manifests": {m.digest: "sha256:" + hashlib.sha256(bytes(m.content)).hexdigest()
                      for m in repository.manifests.all()},
        "blobs": blobs,
    }))
"""


def _manage(env: dict[str, str], *args: str, succeed: bool = True) -> subprocess.CompletedProcess[str]:
    return _run_checked([str(BIN / "python"), "manage.py", *args], env=env, cwd=ROOT, succeed=succeed)


def _holdings(env: dict[str, str]) -> dict:
    return json.loads(_manage(env, "shell", "--no-imports", "-c", HOLDINGS).stdout)


@pytest.fixture(scope="module")
def exported(registry_server: RegistryServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("transfer-tools")
    tools = ContainerTools(home / "tools", registry_server.host)
    tools.login("alice")
    tools.image_build("transfer:1", [secrets.token_bytes(1024 * 1024), secrets.token_bytes(4096)])
    tools.push("transfer:1", "alice/transfer:1")
    tools.push("transfer:1", "alice/transfer:latest")
    out = home / "transfer.tar"
    result = _manage(registry_server.env, "export", "--repository", "alice/transfer", str(out))
    assert "exported 1 repositories, 2 tags" in result.stderr
    yield out


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Another registry's database and storage (its users made as the shared server's are)."""
    data_dir = tmp_path_factory.mktemp("registry-elsewhere")
    with _database_created(os.environ.get("DATABASE_URL", "")) as database_url:
        env = _server_env(data_dir, database_url)
        _server_prepare(env)
        yield env


def _tampered(source: Path, target: Path) -> None:
    """The same tarball with one byte of its largest blob changed, its name and size kept."""
    with tarfile.open(source) as tar:
        members = tar.getmembers()
        largest = max(members, key=lambda member: member.size)
        with tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as out:
            for member in members:
                data = bytearray(tar.extractfile(member).read())  # type: ignore[union-attr]
                if member is largest:
                    data[len(data) // 2] ^= 0x01
                out.addfile(member, io.BytesIO(bytes(data)))


def test_a_tampered_tarball_is_refused_with_nothing_imported(
    exported: Path, elsewhere: dict[str, str]
) -> None:
    tampered = exported.with_name("tampered.tar")
    _tampered(exported, tampered)
    before = _holdings(elsewhere)

    result = _manage(elsewhere, "import", str(tampered), succeed=False)

    assert result.returncode != 0
    assert "refused, nothing imported" in result.stderr and "digest" in result.stderr
    assert _holdings(elsewhere) == before == {"blobs_anywhere": 0}


def test_an_export_imports_byte_for_byte_and_a_second_import_stores_nothing_new(
    registry_server: RegistryServer, exported: Path, elsewhere: dict[str, str]
) -> None:
    first = _manage(elsewhere, "import", str(exported))
    again = _manage(elsewhere, "import", str(exported))

    source, copy = _holdings(registry_server.env), _holdings(elsewhere)
    assert copy == source
    assert set(copy["tags"]) == {"1", "latest"}
    assert all(digest == stored for digest, stored in copy["blobs"].items())
    assert all(digest == stored for digest, stored in copy["manifests"].items())
    blobs = len(copy["blobs"])
    assert f"{blobs} blobs stored, 0 already here" in first.stderr
    assert f"0 blobs stored, {blobs} already here" in again.stderr
