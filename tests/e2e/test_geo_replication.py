"""Geo-replication across two real instances: a push through A is pulled through B at once,
from A's location, and from B's own once replicated; an outage of B's location loses nothing.

Which location served a pull shows in B's access log: the local location streams (200), S3
redirects to a signed URL (307). skopeo verifies every blob's digest as it pulls, and the test
compares the pulled layers with the bytes it built.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import ContainerTools, RegistryServer
from tests.e2e.geo_servers import GeoDeployment, geo_deployment

pytestmark = pytest.mark.skipif(
    urlsplit(os.environ.get("DATABASE_URL", "")).scheme not in ("postgres", "postgresql"),
    reason="the two instances share one database as a deployment's regions do: PostgreSQL",
)
LAYER_SIZE = 3 * 1024 * 1024


@pytest.fixture(scope="module")
def geo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GeoDeployment]:
    with geo_deployment(tmp_path_factory.mktemp("geo")) as deployment:
        yield deployment


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
    geo: GeoDeployment, tools: ContainerTools, repository: str, digests: list[str], into: Path
) -> None:
    """Pulls through B; every layer must be the very bytes A's push stored."""
    tools.run("skopeo", "copy", "--src-tls-verify=false", tools.ref(f"{repository}:1"), f"dir:{into}")
    for digest in digests:
        hex_ = digest.removeprefix("sha256:")
        pulled = (into / hex_).read_bytes()
        assert hashlib.sha256(pulled).hexdigest() == hex_
        assert pulled == (geo.local_root / "sha256" / hex_[:2] / hex_).read_bytes()


def _statuses(server: RegistryServer, repository: str, digests: list[str]) -> list[list[int]]:
    """Per layer, the statuses of its GETs in order: 200 streamed from local, 307 to S3."""
    return [
        [status for _, status in server.requests(method="GET", path=f"/v2/{repository}/blobs/{digest}")]
        for digest in digests
    ]


def test_a_push_through_a_is_pulled_through_b_at_once_then_from_bs_own_location(geo, tmp_path):
    a_tools, b_tools = _tools(tmp_path, geo.a, "a"), _tools(tmp_path, geo.b, "b")
    digests = _pushed(a_tools, "alice/geo")
    assert all(geo.placements(digest) == {"local"} for digest in digests)

    # No worker yet: only A's location holds the layers, and B serves them from there.
    _pull_checked(geo, b_tools, "alice/geo", digests, tmp_path / "before")
    assert _statuses(geo.b, "alice/geo", digests) == [[200], [200]]

    geo.worker.start()
    geo.wait_for("replication to s3", lambda: not geo.pending(digests))
    assert all(geo.placements(digest) == {"local", "s3"} for digest in digests)

    _pull_checked(geo, b_tools, "alice/geo", digests, tmp_path / "after")
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


def test_replication_to_a_stopped_location_completes_when_it_returns(geo, tmp_path):
    a_tools, b_tools = _tools(tmp_path, geo.a, "a"), _tools(tmp_path, geo.b, "b")
    geo.worker.start()
    geo.s3.stop()
    digests = _pushed(a_tools, "alice/outage")

    geo.wait_for(
        "a failed attempt at each copy",
        lambda: len(rows := geo.pending(digests)) == 2 and all(row[2] >= 1 and row[3] for row in rows),
    )
    # Meanwhile B, whose own location is down, serves the layers from A's.
    _pull_checked(geo, b_tools, "alice/outage", digests, tmp_path / "during")
    assert _statuses(geo.b, "alice/outage", digests) == [[200], [200]]

    geo.s3.start()
    geo.wait_for("replication after the outage", lambda: not geo.pending(digests))
    assert all(geo.placements(digest) == {"local", "s3"} for digest in digests)
    _pull_checked(geo, b_tools, "alice/outage", digests, tmp_path / "after")
    assert _statuses(geo.b, "alice/outage", digests) == [[200, 307], [200, 307]]
