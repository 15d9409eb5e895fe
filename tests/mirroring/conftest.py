"""Upstreams for the mirroring tests: Debian's docker-registry (CNCF distribution), started
here on 127.0.0.1 with filesystem storage and filled with images by skopeo from OCI layouts
written here, and the e2e tests' server of our own (Docker token auth). One anonymous
docker-registry and one behind htpasswd basic auth serve the session; a test that must stop
its upstream mid-sync starts another process over the same storage."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from orgs.models import User
from orgs.services import robot_create
from registry.models import Repository
from registry.services.permissions import permission_set
from registry.services.repositories import repository_create

# Our own server as an upstream with Docker token auth (test_token_upstream).
from tests.e2e.conftest import alice_tools, new_tools, registry_server, server_database_url  # noqa: F401

DOCKER_REGISTRY = "/usr/bin/docker-registry"
READY_TIMEOUT = 15
COMMAND_TIMEOUT = 60
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Upstream:
    """One docker-registry process; ``storage`` may be shared with another process."""

    def __init__(self, home: Path, storage: Path, htpasswd: Path | None = None) -> None:
        self.home = home
        self.storage = storage
        self.port = _free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.credentials: tuple[str, str] | None = None
        auth = f"auth:\n  htpasswd:\n    realm: upstream\n    path: {htpasswd}\n" if htpasswd else ""
        self.config = home / f"registry-{self.port}.yml"
        self.config.write_text(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"
            f"storage:\n  filesystem:\n    rootdirectory: {storage}\n  delete:\n    enabled: true\n"
            f"http:\n  addr: {self.host}\n{auth}"
        )
        self.log = home / f"registry-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [DOCKER_REGISTRY, "serve", str(self.config)], stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"docker-registry exited: {self.log.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"http://{self.host}/v2/", timeout=1).close()
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"docker-registry did not answer within {READY_TIMEOUT}s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def reference(self, repository: str) -> str:
        return f"{self.host}/{repository}"

    def blob_file(self, digest: str) -> Path:
        hex_digest = digest.split(":", 1)[1]
        return self.storage / "docker/registry/v2/blobs/sha256" / hex_digest[:2] / hex_digest / "data"


@dataclass
class ImageLayouts:
    """Writes OCI layouts and copies them to an upstream with skopeo."""

    home: Path
    counter: int = 0
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        (self.home / "tmp").mkdir(parents=True, exist_ok=True)
        policy = self.home / "policy.json"
        policy.write_text('{"default": [{"type": "insecureAcceptAnything"}]}')
        self.policy = str(policy)
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "TMPDIR": str(self.home / "tmp"),
            "REGISTRY_AUTH_FILE": str(self.home / "auth.json"),
        }

    def _blob(self, layout: Path, data: bytes) -> str:
        digest = _digest(data)
        path = layout / "blobs/sha256" / digest.split(":", 1)[1]
        path.write_bytes(data)
        return digest

    def _image(self, layout: Path, layers: list[bytes], arch: str) -> dict:
        """Writes an image's blobs and manifest; returns its descriptor for an index."""
        compressed = [gzip.compress(layer, mtime=0) for layer in layers]
        config = json.dumps(
            {
                "architecture": arch,
                "os": "linux",
                "rootfs": {"type": "layers", "diff_ids": [_digest(layer) for layer in layers]},
            }
        ).encode()
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "config": {
                    "mediaType": OCI_CONFIG,
                    "digest": self._blob(layout, config),
                    "size": len(config),
                },
                "layers": [
                    {"mediaType": OCI_LAYER, "digest": self._blob(layout, blob), "size": len(blob)}
                    for blob in compressed
                ],
            }
        ).encode()
        return {
            "mediaType": OCI_MANIFEST,
            "digest": self._blob(layout, manifest),
            "size": len(manifest),
            "platform": {"architecture": arch, "os": "linux"},
        }

    def _layout(self) -> Path:
        self.counter += 1
        layout = self.home / f"layout-{self.counter}"
        (layout / "blobs/sha256").mkdir(parents=True)
        (layout / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
        return layout

    def _copy(self, layout: Path, top: dict, upstream: Upstream, target: str) -> None:
        top = {**top, "annotations": {"org.opencontainers.image.ref.name": "t"}}
        (layout / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [top]}))
        command = ["skopeo", "--policy", self.policy, "copy", "--all", "--quiet", "--dest-tls-verify=false"]
        if upstream.credentials:
            command += ["--dest-creds", ":".join(upstream.credentials)]
        command += ["--preserve-digests", f"oci:{layout}:t", f"docker://{upstream.host}/{target}"]
        result = subprocess.run(
            command, env=self.env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT
        )
        assert result.returncode == 0, result.stderr

    def push_image(self, upstream: Upstream, target: str, layers: list[bytes], arch: str = "amd64") -> str:
        """Pushes an image to ``repository:tag``; returns its manifest digest."""
        layout = self._layout()
        top = self._image(layout, layers, arch)
        self._copy(layout, top, upstream, target)
        return top["digest"]

    def push_index(self, upstream: Upstream, target: str, images: dict[str, list[bytes]]) -> tuple[str, dict]:
        """Pushes a multi-arch index of one image per architecture; returns its digest and the
        children's digests by architecture."""
        layout = self._layout()
        children = [self._image(layout, layers, arch) for arch, layers in images.items()]
        index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": children}).encode()
        digest = self._blob(layout, index)
        self._copy(layout, {"mediaType": OCI_INDEX, "digest": digest, "size": len(index)}, upstream, target)
        return digest, {child["platform"]["architecture"]: child["digest"] for child in children}

    def push_referrer(self, upstream: Upstream, repository: str, subject: str, content: bytes) -> str:
        """Pushes an artifact whose subject is ``subject`` as an upstream without the referrers
        API keeps it: listed by the fallback tag ``sha256-<hex>``. Returns its digest."""
        layout = self._layout()
        config = b'{"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}'
        subject_size = len(self._manifest_bytes(upstream, repository, subject))
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "artifactType": "application/vnd.example.signature",
                "config": {
                    "mediaType": OCI_CONFIG,
                    "digest": self._blob(layout, config),
                    "size": len(config),
                },
                "layers": [
                    {
                        "mediaType": "application/vnd.example.signature",
                        "digest": self._blob(layout, content),
                        "size": len(content),
                    }
                ],
                "subject": {"mediaType": OCI_MANIFEST, "digest": subject, "size": subject_size},
            }
        ).encode()
        referrer = {
            "mediaType": OCI_MANIFEST,
            "digest": self._blob(layout, manifest),
            "size": len(manifest),
            "artifactType": "application/vnd.example.signature",
        }
        self._copy(
            layout,
            {k: v for k, v in referrer.items() if k != "artifactType"},
            upstream,
            f"{repository}:artifact",
        )
        # skopeo refuses to copy an index of artifacts unchanged: PUT the listing itself.
        index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [referrer]}).encode()
        request = urllib.request.Request(
            f"http://{upstream.host}/v2/{repository}/manifests/{subject.replace(':', '-')}",
            data=index,
            method="PUT",
            headers={"Content-Type": OCI_INDEX},
        )
        urllib.request.urlopen(request, timeout=10).close()
        return str(referrer["digest"])

    @staticmethod
    def _manifest_bytes(upstream: Upstream, repository: str, digest: str) -> bytes:
        return upstream.blob_file(digest).read_bytes()

    def delete(self, upstream: Upstream, target: str) -> None:
        command = ["skopeo", "delete", "--tls-verify=false", f"docker://{upstream.host}/{target}"]
        result = subprocess.run(
            command, env=self.env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT
        )
        assert result.returncode == 0, result.stderr


@pytest.fixture(scope="session")
def upstream_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (Path(DOCKER_REGISTRY).exists() and shutil.which("skopeo")):
        pytest.skip("needs Debian's docker-registry and skopeo")
    return tmp_path_factory.mktemp("upstream")


@pytest.fixture(scope="session")
def images(upstream_home: Path) -> ImageLayouts:
    return ImageLayouts(upstream_home / "images")


@pytest.fixture(scope="session")
def upstream(upstream_home: Path) -> Iterator[Upstream]:
    """An anonymous upstream; each test pushes to repositories of its own."""
    server = Upstream(upstream_home, upstream_home / "storage")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def upstream_stoppable(upstream: Upstream, tmp_path: Path) -> Iterator[Upstream]:
    """A second process over the anonymous upstream's storage, for a test to stop."""
    server = Upstream(tmp_path, upstream.storage)
    server.start()
    yield server
    server.stop()


def _bcrypt_hash(password: str) -> str | None:
    """glibc's crypt (libxcrypt) speaks bcrypt; the crypt module leaves Python in 3.13."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import crypt
    except ImportError:
        return None
    # The lowest cost: docker-registry checks the hash on every request.
    hashed = crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))
    return hashed if hashed and hashed.startswith("$2") else None


@pytest.fixture(scope="session")
def upstream_htpasswd(upstream_home: Path) -> Iterator[Upstream]:
    hashed = _bcrypt_hash("upstream-secret")
    if hashed is None:
        pytest.skip("no bcrypt here (neither htpasswd nor crypt's blowfish) for docker-registry's htpasswd")
    htpasswd = upstream_home / "htpasswd"
    htpasswd.write_text(f"puller:{hashed}\n")
    server = Upstream(upstream_home, upstream_home / "storage-htpasswd", htpasswd=htpasswd)
    server.credentials = ("puller", "upstream-secret")
    server.start()
    yield server
    server.stop()


@dataclass
class Mirror:
    """What a sync reads from a mirror's configuration, without hm2's model."""

    repository: Repository
    external_reference: str
    robot: User | None
    tag_glob_csv: str = "*"
    platforms: list[str] = field(default_factory=list)
    rollback: bool = False
    verify_tls: bool = False
    unsigned_images: bool = False
    proxy: str = ""
    username: str = ""
    password: str = ""

    def credentials(self) -> tuple[str, str] | None:
        return (self.username, self.password) if self.username else None

    def proxy_url(self) -> str:
        return self.proxy


@pytest.fixture
def mirror_robot(acme, alice) -> User:
    robot, _ = robot_create(namespace=acme.namespace, short_name="mirror", actor=alice)
    return robot.user


@pytest.fixture
def new_mirror(acme, alice, mirror_robot: User) -> Callable[..., Mirror]:
    """A repository of acme in MIRROR state written by acme+mirror, and its configuration."""

    def make(name: str, external_reference: str, **options: Any) -> Mirror:
        repository = repository_create(namespace_name="acme", name=name, visibility="private", actor=alice)
        repository.state = Repository.State.MIRROR
        repository.mirror_robot = mirror_robot
        repository.save(update_fields=["state", "mirror_robot"])
        # As mirroring.services gives it: the robot writes (and so reads) its mirror.
        permission_set(repository=repository, role="write", user=mirror_robot, actor=alice)
        return Mirror(repository, external_reference, mirror_robot, **options)

    return make


def never_cancelled() -> bool:
    return False
