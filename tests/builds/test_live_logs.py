"""The live log websocket (builds/live/consumer.py) through the ASGI application itself: the
session cookie, the route, the consumer and the database, with lines appended by another
thread as a build would append them. Without Redis the consumer polls; with it (Redis database
6) the lines are pushed and the poll is set far away, so only the push can bring them."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connections
from django.test import Client

from builds.archive import build_logs_archive
from builds.live.messages import build_group
from builds.live.selectors import LINES_PER_READ
from builds.models import BuildLogEntry, RepositoryBuild
from builds.services import build_log_append
from builds.services.logs import build_log_append_many
from orgs.models import User
from quaysite.asgi import application
from registry.models import Repository
from registry.services.repositories import repository_create
from tests.conftest import PASSWORD
from tests.websocket import WebsocketClient

REDIS_URL = "redis://127.0.0.1:6379/6"
FRAME_TIMEOUT = 5
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def consumer_connections_closed() -> Iterator[None]:
    """The consumer reads on asgiref's one thread for sync code, whose connection would outlive
    the test (and keep PostgreSQL from dropping the test database)."""
    yield
    asyncio.run(sync_to_async(connections.close_all)())


@pytest.fixture
def polled(settings) -> None:
    settings.BUILD_LOGS_PUSHED = False
    settings.BUILD_LOGS_POLL_SECONDS = 0.05


@pytest.fixture
def repository(alice: User) -> Repository:
    return repository_create(namespace_name="alice", name="app", visibility="private", actor=alice)


@pytest.fixture
def build(repository: Repository, alice: User) -> RepositoryBuild:
    return RepositoryBuild.objects.create(
        repository=repository, display_name="app", phase="building", performer=alice, source={}
    )


def session_cookie(user: User | None) -> list[tuple[bytes, bytes]]:
    if user is None:
        return []
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    return [(b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]


def watcher_of(
    build: RepositoryBuild, user: User | None, origin: str = "http://testserver"
) -> Callable[[], WebsocketClient]:
    """A watcher to open inside the test's event loop (its session is made outside it)."""
    headers = [(b"host", b"testserver"), (b"origin", origin.encode()), *session_cookie(user)]
    return lambda: WebsocketClient(application, f"/ws/build/{build.uuid}/logs", headers=headers)


def in_thread(work: Callable[[], Any]) -> threading.Thread:
    """Runs ``work`` on a thread of its own, as a build appends its lines outside the server."""

    def run() -> None:
        try:
            work()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def append(build: RepositoryBuild, *messages: str) -> None:
    for message in messages:
        build_log_append(build=build, message=message)


def build_end(build: RepositoryBuild, phase: str = "complete") -> None:
    RepositoryBuild.objects.filter(pk=build.pk).update(phase=phase)


def append_then_end(build: RepositoryBuild, *messages: str) -> None:
    append(build, *messages)
    build_end(build)


async def frames_until_end(socket: WebsocketClient) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    while not frames or frames[-1]["type"] != "end":
        frames.append(await socket.receive_json(FRAME_TIMEOUT))
    return frames


def indexes(frames: list[dict[str, Any]]) -> list[int]:
    return [line["index"] for frame in frames if frame["type"] == "lines" for line in frame["lines"]]


def test_late_watcher_gets_the_lines_so_far_then_the_new_ones_once_each(polled, build, alice) -> None:
    append(build, "step 1", "step 2", "step 3")

    open_watcher = watcher_of(build, alice)

    async def scenario() -> list[dict[str, Any]]:
        socket = open_watcher()
        assert await socket.connect()
        assert await socket.receive_json(FRAME_TIMEOUT) == {"type": "phase", "phase": "building"}
        backlog = await socket.receive_json(FRAME_TIMEOUT)
        assert [line["message"] for line in backlog["lines"]] == ["step 1", "step 2", "step 3"]
        writer = in_thread(lambda: append_then_end(build, "step 4", "step 5"))
        frames = await frames_until_end(socket)
        writer.join()
        assert (await socket.receive_output(FRAME_TIMEOUT))["type"] == "websocket.close"
        return [backlog, *frames]

    frames = asyncio.run(scenario())
    assert indexes(frames) == [0, 1, 2, 3, 4]
    assert frames[-2:] == [{"type": "phase", "phase": "complete"}, {"type": "end", "phase": "complete"}]


def test_an_ended_build_sends_its_whole_log_in_steps_and_closes(polled, build, alice) -> None:
    count = LINES_PER_READ + 10
    build_log_append_many(build=build, lines=[f"line {n}" for n in range(count)])
    build_end(build, "error")
    open_watcher = watcher_of(build, alice)

    async def scenario() -> list[dict[str, Any]]:
        socket = open_watcher()
        await socket.connect()
        frames = await frames_until_end(socket)
        await socket.disconnect()
        return frames

    frames = asyncio.run(scenario())
    assert [len(frame["lines"]) for frame in frames if frame["type"] == "lines"] == [LINES_PER_READ, 10]
    assert indexes(frames) == list(range(count))
    assert frames[-1] == {"type": "end", "phase": "error"}


def test_an_archived_log_is_read_from_the_archive(polled, build, alice) -> None:
    append(build, "kept in the archive")
    build_end(build)
    assert build_logs_archive(build_id=build.pk)
    assert not BuildLogEntry.objects.filter(build=build).exists()
    open_watcher = watcher_of(build, alice)

    async def scenario() -> list[dict[str, Any]]:
        socket = open_watcher()
        await socket.connect()
        return await frames_until_end(socket)

    frames = asyncio.run(scenario())
    assert [line["message"] for frame in frames if frame["type"] == "lines" for line in frame["lines"]] == [
        "kept in the archive"
    ]


def test_a_reader_of_a_public_repository_may_watch_anonymously(polled, build, repository) -> None:
    Repository.objects.filter(pk=repository.pk).update(is_public=True)
    build_end(build)

    open_watcher = watcher_of(build, None)

    async def scenario() -> list[dict[str, Any]]:
        socket = open_watcher()
        await socket.connect()
        return await frames_until_end(socket)

    assert asyncio.run(scenario())[-1] == {"type": "end", "phase": "complete"}


@pytest.mark.parametrize("who", ["bob", "anonymous"])
def test_who_may_not_read_the_repository_is_refused_as_if_no_build(polled, build, bob, who) -> None:
    open_watcher = watcher_of(build, bob if who == "bob" else None)

    async def scenario() -> dict[str, Any]:
        socket = open_watcher()
        await socket.connect()
        return await socket.receive_output(FRAME_TIMEOUT)

    assert asyncio.run(scenario()) == {"type": "websocket.close", "code": 4404}


def test_a_page_of_another_origin_is_refused(polled, build, alice) -> None:
    open_watcher = watcher_of(build, alice, origin="https://evil.example")

    async def scenario() -> dict[str, Any]:
        socket = open_watcher()
        await socket.connect()
        return await socket.receive_output(FRAME_TIMEOUT)

    assert asyncio.run(scenario()) == {"type": "websocket.close", "code": 4403}


def test_the_websocket_port_of_the_same_host_is_the_same_origin(polled, build, alice) -> None:
    build_end(build)

    open_watcher = watcher_of(build, alice, origin="http://testserver:8080")

    async def scenario() -> list[dict[str, Any]]:
        socket = open_watcher()
        await socket.connect()
        return await frames_until_end(socket)

    assert asyncio.run(scenario())[-1]["type"] == "end"


def test_a_pushed_message_past_a_gap_is_completed_from_the_database(settings, build, alice) -> None:
    settings.BUILD_LOGS_PUSHED = False
    settings.BUILD_LOGS_POLL_SECONDS = 60
    append(build, "one")

    open_watcher = watcher_of(build, alice)

    async def scenario() -> list[dict[str, Any]]:
        socket = open_watcher()
        await socket.connect()
        await socket.receive_json(FRAME_TIMEOUT)
        backlog = await socket.receive_json(FRAME_TIMEOUT)
        # Lines 1 and 2 are stored, but only line 2's message arrives (line 1's was dropped).
        in_thread(lambda: append(build, "two", "three")).join()
        third = {"index": 2, "phase": "building", "kind": "text", "message": "three", "time": ""}
        await get_channel_layer().group_send(
            build_group(build.uuid), {"type": "build.lines", "lines": [third]}
        )
        filled = await socket.receive_json(FRAME_TIMEOUT)
        assert await socket.receive_nothing(0.3)
        await socket.disconnect()
        return [backlog, filled]

    frames = asyncio.run(scenario())
    assert indexes(frames) == [0, 1, 2]
    assert [line["message"] for line in frames[1]["lines"]] == ["two", "three"]


@pytest.fixture
def redis_layer(settings) -> None:
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}
    }
    settings.BUILD_LOGS_PUSHED = True
    # Far beyond the test's wait: only a push delivers in time.
    settings.BUILD_LOGS_POLL_SECONDS = 60


def test_with_redis_lines_stored_elsewhere_are_pushed_at_once(redis_layer, build, alice) -> None:
    open_watcher = watcher_of(build, alice)

    async def scenario() -> list[dict[str, Any]]:
        socket = open_watcher()
        await socket.connect()
        assert (await socket.receive_json(FRAME_TIMEOUT))["type"] == "phase"
        loop = asyncio.get_running_loop()
        started = loop.time()
        writer = in_thread(lambda: append(build, "pushed 1", "pushed 2"))
        frames = [await socket.receive_json(FRAME_TIMEOUT)]
        while indexes(frames)[-1:] != [1]:
            frames.append(await socket.receive_json(FRAME_TIMEOUT))
        elapsed = loop.time() - started
        writer.join()
        await socket.disconnect()
        assert elapsed < 2
        return frames

    frames = asyncio.run(scenario())
    assert indexes(frames) == [0, 1]
