"""GC under load: garbage collection runs in a loop while clients push images whose layers it is
deleting; afterwards every tag whose push succeeded pulls, byte for byte.

The clients push with skopeo from OCI layouts that share one base layer, into a handful of
repositories per client, and delete half of what they push, so layers keep becoming garbage and
being pushed again: uploads of a blob GC is deleting, HEADs that find a link GC then removes,
and cross-repository mounts from repositories whose links GC removes. GC runs with its grace
period near zero in its own process, as a worker would. Runs on PostgreSQL only: SQLite's
writers take turns, which hides the races this test is about.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import secrets
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import ContainerTools, RegistryServer

pytestmark = pytest.mark.e2e

LOAD_SECONDS = 40
CLIENTS = 3
IMAGES = 8
REPOSITORIES_PER_CLIENT = 4
LAYER_BYTES = 64 * 1024
CLIENT_TIMEOUT = 60
REAP_EVERY = 2.0
# How long clients leave a reaped image alone: long enough that every client deletes its tags of
# it and GC takes its own layer and config, whatever the machine's speed; then pushes of it
# resume, racing what GC may still be deleting.
REST_SECONDS = 6.0
# Near zero, so GC really deletes what a push might be about to use; not zero, so a layer a client
# uploaded a moment ago still reaches its manifest on most pushes.
GRACE_SECONDS = 1
GC_LOOP = """
import time
from registry.services.gc import gc_run
deadline = time.monotonic() + {seconds}
runs = 0
while time.monotonic() < deadline and runs < 10000:
    gc_run()
    runs += 1
print("gc runs", runs)
"""
GC_TOTALS = """
from django.db.models import Sum
from registry.models import GCRun
print(json.dumps(GCRun.objects.aggregate(blobs=Sum("blobs_deleted"), links=Sum("blob_links_deleted"),
      manifests=Sum("manifests_deleted"), tags=Sum("tags_deleted"))))
"""
ORG_SETUP = """
from orgs.models import Namespace, User
from orgs.services import organization_create
organization_create(name="gcload", creator=User.objects.get(username="alice"))
# No time machine: a deleted tag is garbage at once.
Namespace.objects.filter(name="gcload").update(time_machine_seconds=0)
"""


@dataclass
class Outcome:
    pushed: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    deletes: int = 0
    reaped: list[str] = field(default_factory=list)
    resting: dict[str, float] = field(default_factory=dict)
    layout_digests: dict[int, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _layouts(tools: ContainerTools) -> list[Path]:
    """OCI layouts of IMAGES images over one shared base layer, each with a layer of its own."""
    base = tools.home / "files" / "base.bin"
    base.write_bytes(secrets.token_bytes(LAYER_BYTES))
    container = tools.run("buildah", "from", "scratch").stdout.strip()
    tools.run("buildah", "copy", "--quiet", container, str(base), "/base.bin")
    tools.run("buildah", "commit", "--quiet", "--rm", container, "localhost/gc-base")
    layouts = []
    for index in range(IMAGES):
        own = tools.home / "files" / f"own-{index}.bin"
        own.write_bytes(secrets.token_bytes(LAYER_BYTES))
        container = tools.run("buildah", "from", "--pull=never", "localhost/gc-base").stdout.strip()
        tools.run("buildah", "copy", "--quiet", container, str(own), "/own.bin")
        tools.run("buildah", "commit", "--quiet", "--rm", container, f"localhost/gc-image-{index}")
        layout = tools.home / "layouts" / str(index)
        layout.mkdir(parents=True)
        tools.run(
            "skopeo",
            "copy",
            "--quiet",
            f"containers-storage:localhost/gc-image-{index}",
            f"oci:{layout}:latest",
        )
        layouts.append(layout)
    return layouts


def _client_loop(
    tools: ContainerTools, client: int, layouts: list[Path], deadline: float, outcome: Outcome
) -> None:
    rng = random.Random(client)
    reaped = 0
    for attempt in range(10_000):
        if time.monotonic() >= deadline:
            return
        reaped = _reap(tools, client, reaped, outcome)
        reference = f"gcload/c{client}-{rng.randrange(REPOSITORIES_PER_CLIENT)}:t{attempt}"
        digest_file = tools.home / "tmp" / f"digest-{attempt}"
        index = rng.choice(_awake(layouts, outcome))
        layout = layouts[index]
        pushed = subprocess.run(
            ["skopeo", "copy", "--quiet", "--dest-tls-verify=false", "--digestfile", str(digest_file),
             f"oci:{layout}:latest", tools.ref(reference)],
            env=tools.env, capture_output=True, text=True, timeout=CLIENT_TIMEOUT, check=False,
        )  # fmt: skip
        if pushed.returncode != 0:
            with outcome.lock:
                outcome.failures.append(f"{reference}: {pushed.stderr.strip()[-300:]}")
            continue
        digest = digest_file.read_text().strip()
        with outcome.lock:
            outcome.pushed[reference] = digest
            outcome.layout_digests[index] = digest
        if rng.random() < 0.5:
            _delete(tools, reference, digest, outcome)


def _awake(layouts: list[Path], outcome: Outcome) -> list[int]:
    """Indexes of the layouts whose image is not resting after a reap."""
    now = time.monotonic()
    with outcome.lock:
        resting = {digest for digest, until in outcome.resting.items() if until > now}
        awake = [n for n in range(len(layouts)) if outcome.layout_digests.get(n) not in resting]
    return awake or list(range(len(layouts)))


def _delete(tools: ContainerTools, reference: str, digest: str, outcome: Outcome) -> None:
    """Deletes the manifest by digest, which ends every tag of the repository pointing at it."""
    repository = reference.rsplit(":", 1)[0]
    # Forgotten before the request: once it is sent, those tags may be gone.
    with outcome.lock:
        for name, pushed in list(outcome.pushed.items()):
            if pushed == digest and name.rsplit(":", 1)[0] == repository:
                del outcome.pushed[name]
        outcome.deletes += 1
    tools.run(
        "skopeo", "delete", "--tls-verify=false", tools.ref(f"{repository}@{digest}"), timeout=CLIENT_TIMEOUT
    )


def _reaper_loop(deadline: float, outcome: Outcome) -> None:
    """Now and then asks every client to delete all its tags of one image and leave it alone for
    REST_SECONDS, so that image's own layer and config become garbage everywhere and GC deletes
    them; then clients push it again."""
    rng = random.Random("reaper")
    for _ in range(1000):
        if time.monotonic() + REAP_EVERY >= deadline:
            return
        time.sleep(REAP_EVERY)
        now = time.monotonic()
        with outcome.lock:
            resting = {digest for digest, until in outcome.resting.items() if until > now}
            digests = sorted(set(outcome.pushed.values()) - resting)
            if digests:
                victim = rng.choice(digests)
                outcome.reaped.append(victim)
                outcome.resting[victim] = now + REST_SECONDS


def _reap(tools: ContainerTools, client: int, seen: int, outcome: Outcome) -> int:
    """Deletes this client's tags of the images reaped since ``seen``; returns the new count.
    Each client deletes only its own repositories' tags, between its own pushes."""
    with outcome.lock:
        victims = set(outcome.reaped[seen:])
        seen = len(outcome.reaped)
        doomed = {
            (name.rsplit(":", 1)[0], digest)
            for name, digest in outcome.pushed.items()
            if digest in victims and name.startswith(f"gcload/c{client}-")
        }
    for repository, digest in sorted(doomed):
        _delete(tools, f"{repository}:reaped", digest, outcome)
    return seen


def _gc_loop(server: RegistryServer, seconds: float) -> subprocess.CompletedProcess[str]:
    env = {**server.env, "QUAY_PUSH_TEMP_TAG_EXPIRATION_SEC": str(GRACE_SECONDS)}
    return subprocess.run(
        [str(Path(sys.executable).parent / "python"), "manage.py", "shell", "--no-imports", "-c",
         GC_LOOP.format(seconds=seconds)],
        env=env, cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True,
        timeout=seconds + 120, check=False,
    )  # fmt: skip


def _verify(tools: ContainerTools, reference: str, digest: str) -> None:
    """Pulls every blob (skopeo checks each one's digest) and the manifest's exact bytes."""
    target = tools.home / "pulled" / reference.replace("/", "_").replace(":", "_")
    target.mkdir(parents=True)
    tools.run("skopeo", "copy", "--quiet", "--src-tls-verify=false", tools.ref(reference), f"dir:{target}")
    manifest = (target / "manifest.json").read_bytes()
    assert "sha256:" + hashlib.sha256(manifest).hexdigest() == digest, reference
    for layer in json.loads(manifest)["layers"]:
        stored = (target / layer["digest"].split(":", 1)[1]).read_bytes()
        assert "sha256:" + hashlib.sha256(stored).hexdigest() == layer["digest"]


def _server_errors(server: RegistryServer, since: int) -> list[str]:
    with server.stdout_log.open("rb") as log:
        log.seek(since)
        lines = log.read().decode(errors="replace").splitlines()
    return [line for line in lines if re.search(r'" 5\d\d$', line.strip())]


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="the races need PostgreSQL"
)
def test_pushes_racing_gc_never_lose_a_blob(registry_server: RegistryServer, new_tools) -> None:
    registry_server.shell(ORG_SETUP)
    builder = new_tools("builder")
    layouts = _layouts(builder)
    clients = [new_tools(f"client-{n}") for n in range(CLIENTS)]
    for tools in clients:
        tools.login("alice")
    log_start = registry_server.stdout_log.stat().st_size
    outcome = Outcome()
    deadline = time.monotonic() + LOAD_SECONDS
    gc_result: list[subprocess.CompletedProcess[str]] = []
    gc = threading.Thread(target=lambda: gc_result.append(_gc_loop(registry_server, LOAD_SECONDS)))
    threads = [
        threading.Thread(target=_client_loop, args=(tools, n, layouts, deadline, outcome))
        for n, tools in enumerate(clients)
    ]
    threads.append(threading.Thread(target=_reaper_loop, args=(deadline, outcome)))
    for thread in [gc, *threads]:
        thread.start()
    for thread in [gc, *threads]:
        thread.join(LOAD_SECONDS + CLIENT_TIMEOUT + 120)
    assert gc_result and gc_result[0].returncode == 0, gc_result and gc_result[0].stderr[-3000:]
    # Once more after the load, so whatever the loop left half done is finished too.
    registry_server.manage("registry_gc")

    totals = json.loads(registry_server.shell("import json\n" + GC_TOTALS).stdout)
    print(f"pushed and kept {len(outcome.pushed)}, deleted {outcome.deletes}, failed {len(outcome.failures)}")
    print("\n".join(outcome.failures))
    print(f"gc: {gc_result[0].stdout.strip()}, deleted in total {totals}")
    assert totals["blobs"] > 0 and totals["links"] > 0, "GC deleted nothing: the test raced nothing"
    assert len(outcome.pushed) >= 10, outcome.failures[:5]
    lost = []
    for reference, digest in sorted(outcome.pushed.items()):
        try:
            _verify(clients[0], reference, digest)
        except AssertionError as error:
            lost.append(f"{reference}: {str(error)[-300:]}")
    assert lost == [], f"{len(lost)} of {len(outcome.pushed)} pushed tags do not pull: {lost[:3]}"
    assert _server_errors(registry_server, log_start) == []
    # A push may fail (MANIFEST_BLOB_UNKNOWN when GC took a layer first), but only that way.
    unexpected = [f for f in outcome.failures if "manifest blob unknown" not in f.lower()]
    assert unexpected == [], unexpected[:5]
