"""Vulnerability scanning end to end: images built with buildah (a Debian base with dpkg's
status file, a layer of Python and npm packages, a layer deleting one of them; an Alpine image
with apk's database; a Rocky Linux image with an RPM sqlite database), pushed by podman to the
shared features server, scanned by its own periodic worker (every two seconds there) against
the OSV fixture imported with ``manage.py vulndata import``, and read through Quay's security
API: exact findings, versions just below and at a fix included."""

from __future__ import annotations

import hashlib
import json
import secrets
import shutil
import time
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.conftest import ContainerTools, RegistryServer
from tests.e2e.test_lifecycle import _api, _api_token
from tests.secscan.images import (
    ALPINE_FINDINGS,
    ALPINE_IMAGE,
    DEBIAN_BASE,
    DEBIAN_FINDINGS,
    LANGUAGE_LAYER,
    OSV_FIXTURE,
    ROCKY_FINDINGS,
    ROCKY_IMAGE,
    WHITEOUT_LAYER_DELETES,
    findings,
    tree_write,
)

pytestmark = pytest.mark.e2e
SCAN_TIMEOUT = 60


def _layer_add(tools: ContainerTools, base: str, files: dict[str, bytes], name: str) -> str:
    """Commits one layer of ``files`` over ``base`` as localhost/<name>."""
    tree = tree_write(tools.home / "files" / name, files)
    container = tools.run("buildah", "from", "--pull=never", base).stdout.strip()
    tools.run("buildah", "copy", "--quiet", container, str(tree), "/")
    tools.run("buildah", "config", "--arch", "amd64", "--os", "linux", container)
    tools.run("buildah", "commit", "--quiet", "--rm", container, f"localhost/{name}")
    return name


def _layer_deleting(tools: ContainerTools, base: str, path: str, name: str) -> str:
    """Commits a layer that deletes ``path``: buildah writes it as a whiteout."""
    container = tools.run("buildah", "from", "--pull=never", f"localhost/{base}").stdout.strip()
    root = Path(tools.run("buildah", "mount", container).stdout.strip())
    shutil.rmtree(root / path)
    tools.run("buildah", "umount", container)
    tools.run("buildah", "commit", "--quiet", "--rm", container, f"localhost/{name}")
    return name


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _scanned(server: RegistryServer, token: str, repository: str, digest: str) -> dict:
    deadline = time.monotonic() + SCAN_TIMEOUT
    while True:
        status, body = _api(
            server.host,
            token,
            "GET",
            f"repository/{repository}/manifest/{digest}/security?vulnerabilities=true",
        )
        assert status == 200, body
        if body["status"] != "queued" or time.monotonic() > deadline:
            return body
        time.sleep(0.3)


@pytest.fixture(scope="module")
def osv_imported(features_server: RegistryServer) -> None:
    output = features_server.manage("vulndata", "import", str(OSV_FIXTURE), "--no-progress").stdout
    assert "advisories new" in output


@pytest.fixture
def tools(features_server: RegistryServer, tmp_path: Path) -> ContainerTools:
    tools = ContainerTools(tmp_path / "tools", features_server.host)
    tools.login("alice")
    return tools


def test_buildah_images_pushed_by_podman_are_scanned_with_exact_findings(
    features_server: RegistryServer, tools: ContainerTools, osv_imported: None
) -> None:
    suffix = secrets.token_hex(3)
    base = _layer_add(tools, "scratch", DEBIAN_BASE, f"debbase{suffix}")
    languages = _layer_add(tools, f"localhost/{base}", LANGUAGE_LAYER, f"deblang{suffix}")
    debian = _layer_deleting(tools, languages, WHITEOUT_LAYER_DELETES, f"deb{suffix}")
    alpine = _layer_add(tools, "scratch", ALPINE_IMAGE, f"alpine{suffix}")
    rocky = _layer_add(tools, "scratch", ROCKY_IMAGE, f"rocky{suffix}")
    token = _api_token(features_server)
    expected = {debian: DEBIAN_FINDINGS, alpine: ALPINE_FINDINGS, rocky: ROCKY_FINDINGS}
    digests = {}
    for image in expected:
        tools.push(image, f"acme/{image}:1")
        digests[image] = tools.inspect(f"acme/{image}:1")["Digest"]
    for image, wanted in expected.items():
        body = _scanned(features_server, token, f"acme/{image}", digests[image])
        assert body["status"] == "scanned", body
        assert findings(body["data"]["Layer"]["Features"]) == wanted, image
    debian_layers = tools.manifest(f"acme/{debian}:1")["layers"]
    assert len(debian_layers) == 3
    lodash = next(
        f
        for f in _scanned(features_server, token, f"acme/{debian}", digests[debian])["data"]["Layer"][
            "Features"
        ]
        if f["Name"] == "lodash"
    )
    assert lodash["AddedBy"] == debian_layers[1]["digest"]


def test_a_corrupt_layer_pushed_fails_with_its_reason(
    features_server: RegistryServer, tools: ContainerTools, osv_imported: None
) -> None:
    # A "layer" that claims gzip and is not: skopeo copies it as it is.
    name = f"broken{secrets.token_hex(3)}"
    layout = tools.home / "files" / name
    blobs = layout / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    layer = b"\x1f\x8b\x08\x00" + secrets.token_bytes(2048)
    config = json.dumps(
        {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}
    ).encode()
    descriptors = []
    for data in (config, layer):
        digest = _sha256(data)
        (blobs / digest).write_bytes(data)
        descriptors.append({"digest": f"sha256:{digest}", "size": len(data)})
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **descriptors[0]},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **descriptors[1]}],
        }
    ).encode()
    (blobs / _sha256(manifest)).write_bytes(manifest)
    (layout / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    (layout / "index.json").write_text(
        json.dumps(
            {
                "schemaVersion": 2,
                "manifests": [
                    {
                        "mediaType": "application/vnd.oci.image.manifest.v1+json",
                        "digest": f"sha256:{_sha256(manifest)}",
                        "size": len(manifest),
                    }
                ],
            }
        )
    )
    tools.run("skopeo", "copy", "--dest-tls-verify=false", f"oci:{layout}", tools.ref(f"acme/{name}:1"))
    token = _api_token(features_server)
    body = _scanned(features_server, token, f"acme/{name}", f"sha256:{_sha256(manifest)}")
    assert body == {"status": "failed", "data": None}
    # The worker went on: a good image pushed after it is scanned.
    good = _layer_add(tools, "scratch", ALPINE_IMAGE, f"after{name}")
    tools.push(good, f"acme/{good}:1")
    digest = tools.inspect(f"acme/{good}:1")["Digest"]
    assert _scanned(features_server, token, f"acme/{good}", digest)["status"] == "scanned"


def test_the_repository_page_shows_each_tags_severity_summary(
    features_server: RegistryServer, tools: ContainerTools, osv_imported: None
) -> None:
    image = _layer_add(tools, "scratch", ROCKY_IMAGE, f"page{secrets.token_hex(3)}")
    tools.push(image, f"acme/{image}:v1")
    digest = tools.inspect(f"acme/{image}:v1")["Digest"]
    token = _api_token(features_server)
    assert _scanned(features_server, token, f"acme/{image}", digest)["status"] == "scanned"
    features_server.shell(
        "from registry.models import Repository\n"
        f"Repository.objects.filter(namespace__name='acme', name={image!r}).update(is_public=True)"
    )
    with urllib.request.urlopen(f"{features_server.url}/repository/acme/{image}/", timeout=30) as response:
        page = response.read().decode()
    assert 'id="security-summary"' in page
    assert 'data-severity="High">1 High</span>' in page
    security_url = f"{features_server.url}/repository/acme/{image}/-/manifest/{digest}/security"
    with urllib.request.urlopen(security_url, timeout=30) as response:
        security = response.read().decode()
    assert 'data-advisory="RLSA-TEST-0010" data-package="openssl-libs"' in security
