"""Geo-replication across two real instances: a push through A is pulled through B at once,
from A's location, and from B's own once replicated; an outage of B's location loses nothing.

Which location served a pull shows in B's access log: the local location streams (200), S3
redirects to a signed URL (307). skopeo verifies every blob's digest as it pulls, and the test
compares the pulled layers with the bytes it built.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import PASSWORDS, ContainerTools, RegistryServer
from tests.e2e.geo_servers import GeoDeployment, S3Server, geo_deployment
from tests.storage_servers import AzureEndpoint, free_port

pytestmark = pytest.mark.skipif(
    urlsplit(os.environ.get("DATABASE_URL", "")).scheme not in ("postgres", "postgresql"),
    reason="the two instances share one database as a deployment's regions do: PostgreSQL",
)
LAYER_SIZE = 3 * 1024 * 1024


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    server = S3Server(port=free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def local_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("geo-local")


@pytest.fixture(scope="module")
def geo(tmp_path_factory: pytest.TempPathFactory, s3: S3Server, local_root: Path) -> Iterator[GeoDeployment]:
    """A prefers local, B prefers S3."""
    locations = {"local": ["LocalStorage", {"storage_path": str(local_root)}], "s3": s3.location()}
    with geo_deployment(tmp_path_factory.mktemp("geo"), locations) as deployment:
        yield deployment


@pytest.fixture(scope="module")
def geo_clouds(
    tmp_path_factory: pytest.TempPathFactory, s3: S3Server, azurite_server: AzureEndpoint
) -> Iterator[GeoDeployment]:
    """A prefers S3, B prefers Azure (Azurite)."""
    locations = {"s3": s3.location(), "azure": ["AzureStorage", azurite_server.driver_options()]}
    with geo_deployment(tmp_path_factory.mktemp("geo-clouds"), locations) as deployment:
        yield deployment


def _served_from(server: RegistryServer, repository: str, digest: str) -> tuple[str, bytes]:
    """Where the server sends a GET of the blob: 'streamed' or the host:port it redirects to,
    with the bytes fetched from there."""
    credentials = base64.b64encode(f"alice:{PASSWORDS['alice']}".encode()).decode()
    request = urllib.request.Request(
        f"{server.url}/v2/auth?scope=repository:{repository}:pull",
        headers={"Authorization": f"Basic {credentials}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        token = json.load(response)["token"]

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(
        f"{server.url}/v2/{repository}/blobs/{digest}", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with opener.open(request, timeout=30) as response:
            return "streamed", response.read()
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 307, redirect.code
        location = redirect.headers["Location"]
    with urllib.request.urlopen(location, timeout=30) as response:
        return urlsplit(location).netloc, response.read()


def _tools(tmp_path: Path, server: RegistryServer, label: str) -> ContainerTools:
    tools = ContainerTools(tmp_path / label, server.host)
    tools.login("alice")
    return tools


def _pushed(tools: ContainerTools, repository: str) -> list[str]:
    """Pushes a two-layer image of random bytes; returns the digests of its layers."""
    image = repository.replace("/", "-")
    tools.image_build(image, [secrets.token_bytes(LAYER_SIZE), secrets.token_bytes(LAYER_SIZE // 3)])
    tools.push(image, f"{repository}:1")
    return [layer["digest"] for layer in tools.manifest(f"{repository}:1")["layers"]]


def _pull_checked(
    local_root: Path, tools: ContainerTools, repository: str, digests: list[str], into: Path
) -> None:
    """Pulls through B; every layer must be the very bytes A's push stored."""
    tools.run("skopeo", "copy", "--src-tls-verify=false", tools.ref(f"{repository}:1"), f"dir:{into}")
    for digest in digests:
        hex_ = digest.removeprefix("sha256:")
        pulled = (into / hex_).read_bytes()
        assert hashlib.sha256(pulled).hexdigest() == hex_
        assert pulled == (local_root / "sha256" / hex_[:2] / hex_).read_bytes()


def _statuses(server: RegistryServer, repository: str, digests: list[str]) -> list[list[int]]:
    """Per layer, the statuses of its GETs in order: 200 streamed from local, 307 to S3."""
    return [
        [status for _, status in server.requests(method="GET", path=f"/v2/{repository}/blobs/{digest}")]
        for digest in digests
    ]


def test_a_push_through_a_is_pulled_through_b_at_once_then_from_bs_own_location(geo, local_root, tmp_path):
    a_tools, b_tools = _tools(tmp_path, geo.a, "a"), _tools(tmp_path, geo.b, "b")
    digests = _pushed(a_tools, "alice/geo")
    assert all(geo.placements(digest) == {"local"} for digest in digests)

    # No worker yet: only A's location holds the layers, and B serves them from there.
    _pull_checked(local_root, b_tools, "alice/geo", digests, tmp_path / "before")
    assert _statuses(geo.b, "alice/geo", digests) == [[200], [200]]

    geo.worker.start()
    geo.wait_for("replication to s3", lambda: not geo.pending(digests))
    assert all(geo.placements(digest) == {"local", "s3"} for digest in digests)

    _pull_checked(local_root, b_tools, "alice/geo", digests, tmp_path / "after")
    assert _statuses(geo.b, "alice/geo", digests) == [[200, 307], [200, 307]]
    # A still prefers its own location.
    a_tools.run(
        "skopeo",
        "copy",
        "--src-tls-verify=false",
        a_tools.ref("alice/geo:1"),
        f"dir:{tmp_path / 'pulled-from-a'}",
    )
    assert _statuses(geo.a, "alice/geo", digests) == [[200], [200]]


def test_replication_to_a_stopped_location_completes_when_it_returns(geo, s3, local_root, tmp_path):
    a_tools, b_tools = _tools(tmp_path, geo.a, "a"), _tools(tmp_path, geo.b, "b")
    geo.worker.start()
    s3.stop()
    digests = _pushed(a_tools, "alice/outage")

    geo.wait_for(
        "a failed attempt at each copy",
        lambda: len(rows := geo.pending(digests)) == 2 and all(row[2] >= 1 and row[3] for row in rows),
    )
    # Meanwhile B, whose own location is down, serves the layers from A's.
    _pull_checked(local_root, b_tools, "alice/outage", digests, tmp_path / "during")
    assert _statuses(geo.b, "alice/outage", digests) == [[200], [200]]

    s3.start()
    geo.wait_for("replication after the outage", lambda: not geo.pending(digests))
    assert all(geo.placements(digest) == {"local", "s3"} for digest in digests)
    _pull_checked(local_root, b_tools, "alice/outage", digests, tmp_path / "after")
    assert _statuses(geo.b, "alice/outage", digests) == [[200, 307], [200, 307]]


def test_between_clouds_b_redirects_to_s3_until_azure_holds_the_blob(
    geo_clouds, s3, azurite_server, tmp_path
):
    geo = geo_clouds
    a_tools, b_tools = _tools(tmp_path, geo.a, "a"), _tools(tmp_path, geo.b, "b")
    digests = _pushed(a_tools, "alice/clouds")
    assert all(geo.placements(digest) == {"s3"} for digest in digests)
    pushed = {digest: _served_from(geo.a, "alice/clouds", digest) for digest in digests}
    assert {where for where, _ in pushed.values()} == {f"127.0.0.1:{s3.port}"}

    for digest in digests:
        assert _served_from(geo.b, "alice/clouds", digest) == pushed[digest]
    b_tools.run(
        "skopeo",
        "copy",
        "--src-tls-verify=false",
        b_tools.ref("alice/clouds:1"),
        f"dir:{tmp_path / 'before'}",
    )

    geo.worker.start()
    geo.wait_for("replication to azure", lambda: not geo.pending(digests))

    azurite = urlsplit(azurite_server.url).netloc
    for digest in digests:
        where, data = _served_from(geo.b, "alice/clouds", digest)
        assert (where, data) == (azurite, pushed[digest][1])
        assert hashlib.sha256(data).hexdigest() == digest.removeprefix("sha256:")
    b_tools.run(
        "skopeo", "copy", "--src-tls-verify=false", b_tools.ref("alice/clouds:1"), f"dir:{tmp_path / 'after'}"
    )
