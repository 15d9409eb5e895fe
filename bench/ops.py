"""Registry client operations on top of httpclient: tokens, blob pushes, manifests, pulls."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from dataclasses import dataclass

from httpclient import Connection, Response, add_query, split_location

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
ACCEPT = ", ".join(
    [
        OCI_MANIFEST,
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ]
)


class Unexpected(Exception):
    pass


def expect(response: Response, *statuses: int, what: str = "") -> Response:
    if response.status not in statuses:
        raise Unexpected(f"{what}: HTTP {response.status} (wanted {statuses}): {response.body[:300]!r}")
    return response


def sha256_digest(data: bytes | bytearray | memoryview) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Endpoint:
    """Where a registry and its token endpoint are, and how to ask for tokens."""

    port: int
    token_port: int
    token_path: str
    service: str  # "" lets our server use its own host name
    user: str
    password: str

    def basic(self) -> str:
        return "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()


def token_get(conn: Connection, endpoint: Endpoint, scopes: list[str]) -> str:
    query = "&".join(
        [f"service={endpoint.service}"] * bool(endpoint.service) + [f"scope={s}" for s in scopes]
    )
    response = conn.request(
        "GET", f"{endpoint.token_path}?{query}", headers={"Authorization": endpoint.basic()}
    )
    expect(response, 200, what="token")
    return json.loads(response.body)["token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _location(conn: Connection, response: Response) -> str:
    location = response.header("location")
    if not location:
        raise Unexpected(f"HTTP {response.status} without Location")
    host, port, path = split_location(location, conn.host, conn.port)
    if (host, port) != (conn.host, conn.port) and host not in ("127.0.0.1", "localhost"):
        raise Unexpected(f"upload redirected off this host: {location}")
    return path


def push_single_post(conn: Connection, repo: str, token: str, data: memoryview, digest: str) -> None:
    """One request: POST /blobs/uploads/?digest= with the whole body (OCI 'single POST')."""
    response = conn.request(
        "POST",
        f"/v2/{repo}/blobs/uploads/?digest={digest}",
        headers={**bearer(token), "Content-Type": "application/octet-stream"},
        body=data,
    )
    expect(response, 201, what="monolithic POST")


def single_post_supported(conn: Connection, repo: str, token: str) -> bool:
    """Probes with a 1 KiB blob; on 202 (the body was ignored) finishes that upload with a PUT."""
    data = os.urandom(1024)
    digest = sha256_digest(data)
    response = conn.request(
        "POST",
        f"/v2/{repo}/blobs/uploads/?digest={digest}",
        headers={**bearer(token), "Content-Type": "application/octet-stream"},
        body=data,
    )
    if response.status == 201:
        return True
    expect(response, 202, what="POST probe")
    put = conn.request(
        "PUT",
        add_query(_location(conn, response), f"digest={digest}"),
        headers={**bearer(token), "Content-Type": "application/octet-stream"},
        body=data,
    )
    expect(put, 201, what="PUT after the POST probe")
    return False


def push_post_put(conn: Connection, repo: str, token: str, data: memoryview, digest: str) -> None:
    """Two requests: POST to start, PUT ?digest= with the whole body (OCI 'POST then PUT')."""
    start = expect(
        conn.request("POST", f"/v2/{repo}/blobs/uploads/", headers=bearer(token)), 202, what="POST"
    )
    response = conn.request(
        "PUT",
        add_query(_location(conn, start), f"digest={digest}"),
        headers={**bearer(token), "Content-Type": "application/octet-stream"},
        body=data,
    )
    expect(response, 201, what="PUT with body")


def push_chunked(
    conn: Connection,
    repo: str,
    token: str,
    data: memoryview,
    digest: str,
    chunk_size: int,
    head: bool = False,
    timings: dict[str, float] | None = None,
) -> None:
    """As podman/skopeo push a layer: [HEAD,] POST, one PATCH with Transfer-Encoding: chunked
    and no Content-Length, then PUT ?digest= with an empty body. timings: seconds added per method."""
    clock = time.perf_counter

    def timed(method: str, started: float) -> None:
        if timings is not None:
            timings[method] = timings.get(method, 0.0) + clock() - started

    if head:
        started = clock()
        expect(conn.request("HEAD", f"/v2/{repo}/blobs/{digest}", headers=bearer(token)), 404, what="HEAD")
        timed("HEAD", started)
    started = clock()
    start = expect(
        conn.request("POST", f"/v2/{repo}/blobs/uploads/", headers=bearer(token)), 202, what="POST"
    )
    timed("POST", started)
    started = clock()
    patch = conn.request(
        "PATCH",
        _location(conn, start),
        headers={**bearer(token), "Content-Type": "application/octet-stream"},
        chunked=data,
        chunk_size=chunk_size,
    )
    expect(patch, 202, what="PATCH")
    timed("PATCH", started)
    started = clock()
    put = conn.request("PUT", add_query(_location(conn, patch), f"digest={digest}"), headers=bearer(token))
    expect(put, 201, what="PUT")
    timed("PUT", started)


def manifest_put(conn: Connection, repo: str, token: str, reference: str, manifest: bytes) -> None:
    response = conn.request(
        "PUT",
        f"/v2/{repo}/manifests/{reference}",
        headers={**bearer(token), "Content-Type": OCI_MANIFEST},
        body=manifest,
    )
    expect(response, 201, what="manifest PUT")


def image_manifest(config: bytes, layers: list[tuple[str, int]]) -> bytes:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": sha256_digest(config), "size": len(config)},
            "layers": [{"mediaType": OCI_LAYER, "digest": d, "size": s} for d, s in layers],
        },
        separators=(",", ":"),
    ).encode()


def image_config(layer_digests: list[str]) -> bytes:
    return json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {},
            "rootfs": {"type": "layers", "diff_ids": layer_digests},
        },
        separators=(",", ":"),
    ).encode()


def blob_get(
    conn: Connection, repo: str, token: str, digest: str, keep: bool = False, hops: int = 3
) -> Response:
    """GET a blob, following redirects (to the same or another 127.0.0.1 server)."""
    response = conn.request("GET", f"/v2/{repo}/blobs/{digest}", headers=bearer(token), keep_body=keep)
    while response.status in (301, 302, 303, 307, 308) and hops > 0:
        host, port, path = split_location(response.header("location"), conn.host, conn.port)
        target = conn if (host, port) == (conn.host, conn.port) else Connection(host, port)
        try:
            response = target.request("GET", path, keep_body=keep)
        finally:
            if target is not conn:
                target.close()
        hops -= 1
    return expect(response, 200, what=f"GET blob {digest[:19]}")
