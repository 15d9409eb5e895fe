"""Quota on the push path with real clients: podman's push over a Reject limit fails and prints the
quota's message; after a delete and a GC run a push that fits succeeds; four pushes at once near
the limit end with the namespace at most at its limit, its stored total exact."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import secrets
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.e2e.conftest import COMMAND_TIMEOUT, ContainerTools, RegistryServer

pytestmark = pytest.mark.e2e
KIB = 1024
NAMESPACE_SETUP = """
from orgs.models import Namespace, User
from orgs.services import organization_create
from quota.models import NamespaceQuota, QuotaLimit
organization = organization_create(name={name!r}, creator=User.objects.get(username="alice"))
# No time machine: a deleted image is garbage at the next GC run.
Namespace.objects.filter(name={name!r}).update(time_machine_seconds=0)
quota = NamespaceQuota.objects.create(namespace_id=organization.namespace_id, limit_bytes={limit})
QuotaLimit.objects.create(quota=quota, kind="Reject", threshold_percent=100)
"""
TOTALS = """
import json
from orgs.models import Namespace
from quota.accounting import sizes_recompute
from quota.models import QuotaEvent
from quota.selectors import sizes_stored
namespace = Namespace.objects.get(name={name!r})
print(json.dumps({{
    "stored": sizes_stored(namespace_id=namespace.pk).namespace_bytes,
    "recomputed": sizes_recompute(namespace_id=namespace.pk).namespace_bytes,
    "errors": QuotaEvent.objects.filter(namespace=namespace, kind="quota_error").count(),
}}))
"""
GC_RUN = """
from registry.services.gc import gc_run
gc_run()
"""


def _namespace_with_quota(server: RegistryServer, limit: int) -> str:
    name = f"quota{secrets.token_hex(3)}"
    server.shell(NAMESPACE_SETUP.format(name=name, limit=limit))
    return name


def _totals(server: RegistryServer, name: str, then: str = "") -> dict[str, int]:
    """The namespace's stored and recomputed totals and quota_error count, before ``then`` runs."""
    output = server.shell(TOTALS.format(name=name) + then).stdout
    return json.loads(next(line for line in output.splitlines() if line.startswith("{")))


def test_a_push_over_the_limit_fails_with_the_quota_message_and_one_fitting_after_gc_succeeds(
    features_server: RegistryServer, tmp_path: Path
) -> None:
    name = _namespace_with_quota(features_server, 300 * KIB)
    tools = ContainerTools(tmp_path / "tools", features_server.host)
    tools.login("alice")
    # The image that fills the namespace comes from a layout, quicker than a second build.
    first = _layout(tmp_path / "first", secrets.token_bytes(200 * KIB))
    tools.run(
        "skopeo",
        "copy",
        "--quiet",
        "--dest-tls-verify=false",
        f"oci:{first}:latest",
        tools.ref(f"{name}/app:1"),
    )
    tools.image_build("second:1", [secrets.token_bytes(200 * KIB)])

    refused = tools.run_failing(
        "podman", "push", "--tls-verify=false", "localhost/second:1", tools.ref(f"{name}/app:2")
    )
    assert re.search(
        rf"Quota exceeded for namespace {name}: pushing would use 4\d\d\.\d KiB of the 300\.0 KiB quota"
        r" \(Reject at 100%\)",
        refused.stderr,
    ), refused.stderr

    tools.run("skopeo", "delete", "--tls-verify=false", tools.ref(f"{name}/app:1"))
    # One process for both (each costs a Django start): a tag delete lowers no total, so what
    # is read before GC is what the refusal left.
    before_gc = _totals(features_server, name, then=GC_RUN)
    assert before_gc["stored"] == before_gc["recomputed"] < 300 * KIB
    assert before_gc["errors"] == 1
    tools.push("second:1", f"{name}/app:2")

    totals = _totals(features_server, name)
    assert totals["stored"] == totals["recomputed"]
    assert 200 * KIB < totals["stored"] <= 300 * KIB


def _blob(layout: Path, data: bytes) -> dict[str, object]:
    digest = hashlib.sha256(data).hexdigest()
    (layout / "blobs" / "sha256" / digest).write_bytes(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def _layout(path: Path, content: bytes) -> Path:
    """An OCI layout of one image with one gzipped layer holding ``content``: quicker to make
    than a build, and pushed byte for byte by skopeo."""
    (path / "blobs" / "sha256").mkdir(parents=True)
    (path / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w") as archive:
        entry = tarfile.TarInfo("content.bin")
        entry.size = len(content)
        archive.addfile(entry, io.BytesIO(content))
    layer = gzip.compress(tar_bytes.getvalue(), mtime=0)
    diff_id = "sha256:" + hashlib.sha256(tar_bytes.getvalue()).hexdigest()
    config = json.dumps(
        {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [diff_id]}}
    ).encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **_blob(path, config)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **_blob(path, layer)}],
        }
    ).encode()
    descriptor = {
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        **_blob(path, manifest),
        "annotations": {"org.opencontainers.image.ref.name": "latest"},
    }
    (path / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [descriptor]}))
    return path


def test_four_pushes_at_once_near_the_limit_never_end_over_it(
    features_server: RegistryServer, tmp_path: Path
) -> None:
    # Room for two images of about 100 KiB, not three.
    name = _namespace_with_quota(features_server, 250 * KIB)
    tools = ContainerTools(tmp_path / "tools", features_server.host)
    tools.login("alice")
    layouts = [_layout(tmp_path / f"layout-{n}", secrets.token_bytes(100 * KIB)) for n in range(4)]
    pushes = [
        subprocess.Popen(
            [
                "skopeo",
                "copy",
                "--quiet",
                "--dest-tls-verify=false",
                f"oci:{layout}:latest",
                tools.ref(f"{name}/app{n}:1"),
            ],
            env=tools.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for n, layout in enumerate(layouts)
    ]
    outcomes = []
    for push in pushes:
        _, error = push.communicate(timeout=COMMAND_TIMEOUT)
        outcomes.append((push.returncode, error))

    failures = [error for code, error in outcomes if code != 0]
    assert len(failures) == 2, outcomes
    assert all(f"Quota exceeded for namespace {name}" in error for error in failures), failures
    totals = _totals(features_server, name)
    assert totals["stored"] == totals["recomputed"] <= 250 * KIB
