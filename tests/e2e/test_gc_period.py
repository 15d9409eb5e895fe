"""GC reclaims within seconds in the embedded default, scheduled by the server itself: a server
with GARBAGE_COLLECTION_FREQUENCY=1 removes a deleted image's rows and bytes on its own.

It has a database of its own: on the shared server's, that server's GC pass (every 30 s, with
the default grace period of its own settings) once visited the repository between the delete
and this server's next pass, kept the fresh manifest for its grace and set the repository due
an hour later."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import ContainerTools, RegistryServer, registry_server_of_its_own

pytestmark = pytest.mark.e2e
RECLAIM_TIMEOUT = 30
ORG_SETUP = """
from orgs.models import Namespace, User
from orgs.services import organization_create
organization_create(name="gcfast", creator=User.objects.get(username="alice"))
# No time machine: a deleted image is garbage at once.
Namespace.objects.filter(name="gcfast").update(time_machine_seconds=0)
"""
ROWS = """
from registry.models import Blob, Manifest
print(json.dumps({{"manifests": Manifest.objects.filter(repository__namespace__name="gcfast").count(),
                  "layers": Blob.objects.filter(digest__in={layers!r}).count()}}))
"""


@pytest.fixture(scope="module")
def fast_gc_server(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[RegistryServer]:
    """A server of its own, GC every second, no grace. Module-scoped: its fast GC must not run
    under other tests' pushes."""
    settings = {"QUAY_GARBAGE_COLLECTION_FREQUENCY": "1", "QUAY_PUSH_TEMP_TAG_EXPIRATION_SEC": "0"}
    with registry_server_of_its_own(request, tmp_path_factory, settings) as server:
        yield server


def _rows(server: RegistryServer, layers: list[str]) -> dict:
    code = "import json\n" + ROWS.format(layers=layers)
    return json.loads(server.shell(code).stdout.strip().splitlines()[-1])


def test_a_deleted_image_is_reclaimed_by_the_servers_own_gc_within_seconds(
    fast_gc_server: RegistryServer, tmp_path: Path
) -> None:
    fast_gc_server.shell(ORG_SETUP)
    tools = ContainerTools(tmp_path / "tools", fast_gc_server.host)
    tools.login("alice")
    tools.image_build("gcfast:1", [secrets.token_bytes(64), secrets.token_bytes(4096)])
    tools.push("gcfast:1", "gcfast/app:1")
    layers = [layer["digest"] for layer in tools.manifest("gcfast/app:1")["layers"]]
    assert _rows(fast_gc_server, layers) == {"manifests": 1, "layers": 2}

    tools.run("skopeo", "delete", "--tls-verify=false", tools.ref("gcfast/app:1"))

    deadline = time.monotonic() + RECLAIM_TIMEOUT
    while (rows := _rows(fast_gc_server, layers)) != {"manifests": 0, "layers": 0}:
        assert time.monotonic() < deadline, rows
        time.sleep(0.5)
