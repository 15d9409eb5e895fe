"""Live build logs across instances: with Redis, a line stored by one process reaches the
watchers of every websocket server at once through channels-redis, well before their database
poll (5 s) could. Instance A is gunicorn's own websocket server (gunicorn.conf.py starting
uvicorn on WEBSOCKET_PORT, as `make run` does); instance B a second uvicorn on the same database
and Redis; the lines are stored by a third process, as a build agent's requests or an rq worker
store them."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websockets

from tests.e2e.conftest import (
    BIN,
    PASSWORDS,
    ROOT,
    RegistryServer,
    _free_port,
    _stop,
    registry_server_of_its_own,
)

pytestmark = pytest.mark.e2e

REDIS_URL = "redis://127.0.0.1:6379/6"
PUSH_DEADLINE = 2.0
READY_TIMEOUT = 20

BUILD_SETUP = """
from django.test import Client
from builds.models import RepositoryBuild
from orgs.models import User
from registry.services.repositories import repository_create
alice = User.objects.get(username="alice")
repository = repository_create(namespace_name="alice", name="live", visibility="private", actor=alice)
build = RepositoryBuild.objects.create(
    repository=repository, display_name="live", phase="building", source={}
)
client = Client()
assert client.login(username="alice", password=PASSWORD)
print(build.uuid, client.cookies["sessionid"].value)
"""

APPEND = """
from builds.models import RepositoryBuild
from builds.services import build_log_append
build = RepositoryBuild.objects.get(uuid={uuid!r})
for n in range({count}):
    build_log_append(build=build, message=f"line {{n}}")
"""


@pytest.fixture(scope="module")
def websocket_port() -> int:
    return _free_port()


@pytest.fixture(scope="module")
def redis_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, websocket_port: int
) -> Iterator[RegistryServer]:
    settings = {"REDIS_URL": REDIS_URL, "QUAY_WEBSOCKET_PORT": str(websocket_port)}
    with registry_server_of_its_own(request, tmp_path_factory, settings) as server:
        yield server


@pytest.fixture(scope="module")
def second_instance(redis_server: RegistryServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """Another websocket server on the same database and Redis."""
    port = _free_port()
    log = tmp_path_factory.mktemp("second-instance") / "uvicorn.log"
    command = [
        str(BIN / "python"), "-m", "uvicorn", "quaysite.asgi:application",
        "--host", "127.0.0.1", "--port", str(port), "--lifespan", "off",
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=redis_server.env, stdout=output, stderr=output, start_new_session=True
        )
    try:
        _wait_listening(port, process, log)
        yield port
    finally:
        _stop(process)


def _wait_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"uvicorn exited:\n{log.read_text()}")
        try:
            asyncio.run(_probe(port))
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"uvicorn did not listen on {port}:\n{log.read_text()}")


async def _probe(port: int) -> None:
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws/nothing", open_timeout=2) as socket:
        await socket.wait_closed()


async def _watch(
    port: int, build_uuid: str, session: str, count: int, ready: asyncio.Event
) -> list[list[float]]:
    """Arrival times of lines 0..count-1 at a watcher of this instance, frame by frame."""
    url = f"ws://127.0.0.1:{port}/ws/build/{build_uuid}/logs"
    headers = {"Cookie": f"sessionid={session}", "Origin": f"http://127.0.0.1:{port}"}
    frames: list[list[float]] = []
    arrivals: list[float] = []
    async with websockets.connect(url, additional_headers=headers, open_timeout=10) as socket:
        first: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), 10))
        assert first == {"type": "phase", "phase": "building"}
        ready.set()
        while len(arrivals) < count:
            frame = json.loads(await asyncio.wait_for(socket.recv(), 10))
            if frame["type"] == "lines":
                assert [line["index"] for line in frame["lines"]] == list(
                    range(len(arrivals), len(arrivals) + len(frame["lines"]))
                )
                arrivals.extend(time.monotonic() for _ in frame["lines"])
                frames.append(arrivals[-len(frame["lines"]) :])
    return frames


def test_lines_stored_by_another_process_reach_watchers_on_both_instances(
    redis_server: RegistryServer, websocket_port: int, second_instance: int
) -> None:
    build_uuid, session = redis_server.shell(
        BUILD_SETUP.replace("PASSWORD", repr(PASSWORDS["alice"]))
    ).stdout.split()
    count = 5

    async def scenario() -> tuple[float, list[list[list[float]]]]:
        ready = [asyncio.Event(), asyncio.Event()]
        watchers = [
            asyncio.create_task(_watch(port, build_uuid, session, count, event))
            for port, event in zip((websocket_port, second_instance), ready, strict=True)
        ]
        await asyncio.wait_for(asyncio.gather(*(event.wait() for event in ready)), 10)
        # The watchers hold no backlog; what they get now was stored after they connected.
        appended = await asyncio.to_thread(redis_server.shell, APPEND.format(uuid=build_uuid, count=count))
        done = time.monotonic()
        assert appended.returncode == 0
        return done, list(await asyncio.gather(*watchers))

    done, arrivals = asyncio.run(scenario())
    for frames in arrivals:
        # One frame per append, as pushed: the database poll would have read the five lines,
        # stored milliseconds apart, in one frame.
        assert [len(frame) for frame in frames] == [1] * count
        assert frames[-1][-1] - done < PUSH_DEADLINE
