"""Real clients against the real server: podman, skopeo and buildah log in, push, pull, copy, delete."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import ContainerTools, RegistryServer

pytestmark = pytest.mark.e2e

SMALL_LAYER = 2 * 1024 * 1024
LARGE_LAYER = 40 * 1024 * 1024
HASH_CHUNK = 1024 * 1024
INDEX_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)


def _two_layers() -> list[bytes]:
    return [secrets.token_bytes(64), secrets.token_bytes(SMALL_LAYER)]


def _push_with_digest(tools: ContainerTools, image: str, repository_and_tag: str) -> str:
    """Pushes localhost/<image> and returns the manifest digest podman reports."""
    digest_file = tools.home / "tmp" / f"digest-{secrets.token_hex(4)}"
    tools.run(
        "podman",
        "push",
        "--tls-verify=false",
        "--digestfile",
        str(digest_file),
        f"localhost/{image}",
        tools.ref(repository_and_tag),
    )
    return digest_file.read_text().strip()


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(HASH_CHUNK):
            digest.update(chunk)
    return f"sha256:{digest.hexdigest()}"


def _error_text(result: subprocess.CompletedProcess[str], repository: str) -> str:
    """A client's error with its timestamp and the repository's name taken out."""
    return re.sub(r'time="[^"]*" ', "", result.stderr).replace(repository, "<repository>")


# Login ----------------------------------------------------------------------------------------


def test_podman_login_with_the_right_password_succeeds(
    new_tools: Callable[[str], ContainerTools], registry_server: RegistryServer
) -> None:
    tools = new_tools("alice")

    result = tools.login("alice")

    assert "Login Succeeded" in result.stdout
    assert registry_server.host in json.loads(tools.auth_file.read_text())["auths"]


def test_podman_login_with_a_wrong_password_fails(
    new_tools: Callable[[str], ContainerTools], registry_server: RegistryServer
) -> None:
    tools = new_tools("alice")

    result = tools.run_failing(
        "podman", "login", "--tls-verify=false", "-u", "alice", "-p", "not-the-password", tools.registry
    )

    assert "invalid username/password" in result.stderr
    assert registry_server.host not in json.loads(tools.auth_file.read_text())["auths"]


# Push, pull, tags -----------------------------------------------------------------------------


def test_pushed_image_shows_its_digest_and_tag_in_skopeo_inspect(alice_tools: ContainerTools) -> None:
    alice_tools.image_build("app:1", _two_layers())
    pushed_digest = _push_with_digest(alice_tools, "app:1", "alice/app:1")

    info = alice_tools.inspect("alice/app:1")
    raw = alice_tools.inspect_raw("alice/app:1")

    assert info["Digest"] == pushed_digest
    assert info["RepoTags"] == ["1"]
    assert f"sha256:{hashlib.sha256(raw.encode()).hexdigest()}" == pushed_digest
    assert len(info["Layers"]) == 2


def test_pulled_image_has_the_pushed_image_id(alice_tools: ContainerTools) -> None:
    image_id = alice_tools.image_build("pulled:1", _two_layers())
    alice_tools.push("pulled:1", "alice/pulled:1")
    alice_tools.run("podman", "rmi", "--all", "--force")
    assert alice_tools.run("podman", "images", "--quiet").stdout.strip() == ""

    alice_tools.run("podman", "pull", "--tls-verify=false", f"{alice_tools.registry}/alice/pulled:1")

    inspected = alice_tools.run("podman", "image", "inspect", f"{alice_tools.registry}/alice/pulled:1").stdout
    (pulled,) = json.loads(inspected)
    assert pulled["Id"] == image_id
    assert pulled["Digest"] == alice_tools.inspect("alice/pulled:1")["Digest"]
    assert alice_tools.manifest("alice/pulled:1")["config"]["digest"] == f"sha256:{image_id}"


def test_list_tags_shows_every_pushed_tag_sorted(alice_tools: ContainerTools) -> None:
    alice_tools.image_build("tagged:1", [secrets.token_bytes(64)])
    for tag in ("v2", "1.0", "latest"):
        alice_tools.push("tagged:1", f"alice/tagged:{tag}")

    listed = alice_tools.run("skopeo", "list-tags", "--tls-verify=false", alice_tools.ref("alice/tagged"))

    assert json.loads(listed.stdout)["Tags"] == ["1.0", "latest", "v2"]


def test_copy_to_another_repository_mounts_the_layers_and_keeps_the_digest(
    alice_tools: ContainerTools, registry_server: RegistryServer
) -> None:
    alice_tools.image_build("source:1", _two_layers())
    source_digest = _push_with_digest(alice_tools, "source:1", "alice/source:1")
    layers = {layer["digest"] for layer in alice_tools.manifest("alice/source:1")["layers"]}

    alice_tools.run(
        "skopeo",
        "copy",
        "--src-tls-verify=false",
        "--dest-tls-verify=false",
        alice_tools.ref("alice/source:1"),
        alice_tools.ref("acme/copy:1"),
    )

    assert alice_tools.inspect("acme/copy:1")["Digest"] == source_digest
    mounted = {
        query["mount"][0]
        for query, status in registry_server.requests(method="POST", path="/v2/acme/copy/blobs/uploads/")
        if status == 201 and query.get("from") == ["alice/source"]
    }
    assert layers <= mounted


def test_deleted_manifest_is_unknown_afterwards(alice_tools: ContainerTools) -> None:
    alice_tools.image_build("doomed:1", [secrets.token_bytes(64)])
    digest = _push_with_digest(alice_tools, "doomed:1", "alice/doomed:1")

    alice_tools.run("skopeo", "delete", "--tls-verify=false", alice_tools.ref("alice/doomed:1"))

    by_tag = alice_tools.run_failing(
        "skopeo", "inspect", "--tls-verify=false", alice_tools.ref("alice/doomed:1")
    )
    by_digest = alice_tools.run_failing(
        "skopeo", "inspect", "--tls-verify=false", alice_tools.ref(f"alice/doomed@{digest}")
    )
    assert "manifest unknown" in by_tag.stderr
    assert "manifest unknown" in by_digest.stderr


def test_large_layer_pulls_back_byte_identical(alice_tools: ContainerTools, tmp_path: Path) -> None:
    content = secrets.token_bytes(LARGE_LAYER)
    alice_tools.image_build("large:1", [content])
    alice_tools.push("large:1", "alice/large:1")
    pulled = tmp_path / "pulled"

    alice_tools.run(
        "skopeo", "copy", "--src-tls-verify=false", alice_tools.ref("alice/large:1"), f"dir:{pulled}"
    )

    (layer,) = json.loads((pulled / "manifest.json").read_text())["layers"]
    blob = pulled / layer["digest"].split(":", 1)[1]
    assert _sha256_file(blob) == layer["digest"]
    assert blob.stat().st_size == layer["size"]
    with tarfile.open(blob) as archive:
        extracted = archive.extractfile("layer-0.bin")
        assert extracted is not None
        assert hashlib.sha256(extracted.read()).digest() == hashlib.sha256(content).digest()


# Multi-arch -----------------------------------------------------------------------------------


@pytest.fixture
def multi_arch_index(alice_tools: ContainerTools) -> dict:
    """alice/multi:1, an index of an amd64 and an arm64 image, pushed with buildah."""
    alice_tools.run("buildah", "manifest", "create", "localhost/multi:1")
    for arch in ("amd64", "arm64"):
        alice_tools.image_build(f"multi-{arch}:1", [secrets.token_bytes(64)], arch=arch)
        alice_tools.run("buildah", "manifest", "add", "localhost/multi:1", f"localhost/multi-{arch}:1")
    alice_tools.run(
        "buildah",
        "manifest",
        "push",
        "--all",
        "--tls-verify=false",
        "localhost/multi:1",
        alice_tools.ref("alice/multi:1"),
    )
    return alice_tools.manifest("alice/multi:1")


def test_pushed_manifest_list_holds_both_architectures(multi_arch_index: dict) -> None:
    assert multi_arch_index["mediaType"] in INDEX_TYPES
    platforms = sorted(entry["platform"]["architecture"] for entry in multi_arch_index["manifests"])
    assert platforms == ["amd64", "arm64"]


def test_override_arch_resolves_the_manifest_list_to_the_arm64_image(
    alice_tools: ContainerTools, multi_arch_index: dict
) -> None:
    (arm64_digest,) = [
        entry["digest"]
        for entry in multi_arch_index["manifests"]
        if entry["platform"]["architecture"] == "arm64"
    ]
    arm64_manifest = alice_tools.manifest(f"alice/multi@{arm64_digest}")

    info = alice_tools.inspect("alice/multi:1", "--override-arch", "arm64")

    assert info["Architecture"] == "arm64"
    assert info["Layers"] == [layer["digest"] for layer in arm64_manifest["layers"]]


# Access ---------------------------------------------------------------------------------------


def test_public_repository_pulls_without_login(
    alice_tools: ContainerTools, anonymous_tools: ContainerTools, registry_server: RegistryServer
) -> None:
    image_id = alice_tools.image_build("public:1", [secrets.token_bytes(64)])
    alice_tools.push("public:1", "alice/public:1")
    registry_server.shell(
        "from registry.models import Repository\n"
        "updated = Repository.objects.filter(namespace__name='alice', name='public').update(is_public=True)\n"
        "assert updated == 1, updated\n"
    )

    anonymous_tools.run("podman", "pull", "--tls-verify=false", f"{anonymous_tools.registry}/alice/public:1")

    inspected = anonymous_tools.run(
        "podman", "image", "inspect", f"{anonymous_tools.registry}/alice/public:1"
    )
    assert json.loads(inspected.stdout)[0]["Id"] == image_id


def test_anonymous_pull_of_a_private_repository_fails_as_if_it_did_not_exist(
    alice_tools: ContainerTools, anonymous_tools: ContainerTools
) -> None:
    alice_tools.image_build("private:1", [secrets.token_bytes(64)])
    alice_tools.push("private:1", "alice/private:1")

    private = anonymous_tools.run_failing(
        "skopeo", "inspect", "--no-creds", "--tls-verify=false", anonymous_tools.ref("alice/private:1")
    )
    missing = anonymous_tools.run_failing(
        "skopeo", "inspect", "--no-creds", "--tls-verify=false", anonymous_tools.ref("alice/missing:1")
    )

    # Both failed at the registry, reading the manifest, and read alike.
    assert "reading manifest 1 in" in private.stderr
    assert _error_text(private, "alice/private") == _error_text(missing, "alice/missing")


def test_bob_cannot_push_into_alices_namespace(
    bob_tools: ContainerTools, alice_tools: ContainerTools
) -> None:
    bob_tools.image_build("intruder:1", [secrets.token_bytes(64)])

    pushed = bob_tools.run_failing(
        "podman", "push", "--tls-verify=false", "localhost/intruder:1", bob_tools.ref("alice/intruder:1")
    )

    assert "denied" in pushed.stderr or "unauthorized" in pushed.stderr
    looked_up = alice_tools.run_failing(
        "skopeo", "inspect", "--tls-verify=false", alice_tools.ref("alice/intruder:1")
    )
    assert "name unknown" in looked_up.stderr


def test_bob_cannot_pull_alices_private_repository(
    bob_tools: ContainerTools, alice_tools: ContainerTools
) -> None:
    alice_tools.image_build("diary:1", [secrets.token_bytes(64)])
    alice_tools.push("diary:1", "alice/diary:1")

    pulled = bob_tools.run_failing(
        "podman", "pull", "--tls-verify=false", f"{bob_tools.registry}/alice/diary:1"
    )

    assert "denied" in pulled.stderr or "unauthorized" in pulled.stderr
    assert bob_tools.run("podman", "images", "--quiet").stdout.strip() == ""


def test_bob_can_push_to_his_own_namespace(bob_tools: ContainerTools) -> None:
    bob_tools.image_build("own:1", _two_layers())

    digest = _push_with_digest(bob_tools, "own:1", "bob/own:1")

    info = bob_tools.inspect("bob/own:1")
    assert info["Digest"] == digest
    assert info["RepoTags"] == ["1"]
