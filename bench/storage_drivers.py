"""Blob push and pull throughput of each storage driver against its emulator, beside a plain
upload and download of the same bytes by the same client library.

    .venv/bin/python bench/storage_drivers.py                   # every driver, 64 MiB blobs
    .venv/bin/python bench/storage_drivers.py --drivers s3,azure --mib 128
    .venv/bin/python bench/run.py --rows 1 --storage-drivers    # run.py's rows, then this table

Push is what the registry does with a layer: the driver's writer fed 1 MiB chunks while hashing
them with sha256, then commit. Pull: open() read in 1 MiB chunks, hashed. Plain: the library's own
one-call upload of the whole buffer and a streamed download, hashed the same way so the ratio
isolates the driver (the registry must hash every byte). The ratio is ours / plain (> 1.0
means ours is faster); the median of --rounds, MB/s in 10^6 bytes. The emulators run on this
machine, so the figures measure the drivers' and clients' overhead, not a cloud's network.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quaysite.settings")

import logging  # noqa: E402

import django  # noqa: E402

django.setup()
# The Azure SDK logs every request's headers at INFO.
logging.getLogger("azure").setLevel(logging.WARNING)

from registry.storage import driver_build  # noqa: E402
from registry.storage.azure import AzureStorage  # noqa: E402
from registry.storage.base import StorageDriver  # noqa: E402
from registry.storage.gcs import GoogleCloudStorage  # noqa: E402
from registry.storage.s3 import S3Storage  # noqa: E402
from registry.storage.swift import SwiftStorage  # noqa: E402
from tests import storage_servers  # noqa: E402

MB = 1_000_000
CHUNK = 1024 * 1024
DRIVERS = ["s3", "azure", "gcs", "swift"]


def _servers(name: str) -> AbstractContextManager[Any]:
    return {
        "s3": storage_servers.s3_server_running,
        "azure": storage_servers.azurite_server_running,
        "gcs": storage_servers.gcs_server_running,
        "swift": storage_servers.swift_server_running,
    }[name]()


DRIVER_NAMES = {
    "s3": "S3Storage",
    "azure": "AzureStorage",
    "gcs": "GoogleCloudStorage",
    "swift": "SwiftStorage",
}


def push_ours(driver: StorageDriver, path: str, data: bytes) -> None:
    digest = hashlib.sha256()
    view = memoryview(data)
    with driver.writer(path) as writer:
        for start in range(0, len(view), CHUNK):
            chunk = view[start : start + CHUNK]
            digest.update(chunk)
            writer.write(chunk)
        writer.commit()


def pull_ours(driver: StorageDriver, path: str) -> int:
    digest, size = hashlib.sha256(), 0
    with driver.open(path) as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size


def _hashed(chunks: Iterable[bytes]) -> int:
    digest, size = hashlib.sha256(), 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    return size


def _plain(driver: StorageDriver) -> tuple[Callable[[str, bytes], None], Callable[[str], int]]:
    """The same client library, used as its documentation shows, on the driver's own client."""
    if isinstance(driver, S3Storage):
        client, bucket = driver.client, driver.bucket

        def s3_put(key: str, data: bytes) -> None:
            hashlib.sha256(data)
            client.put_object(Bucket=bucket, Key=key, Body=data)

        def s3_get(key: str) -> int:
            body = client.get_object(Bucket=bucket, Key=key)["Body"]
            return _hashed(body.iter_chunks(CHUNK))

        return s3_put, s3_get
    if isinstance(driver, AzureStorage):
        container = driver.container

        def azure_put(name: str, data: bytes) -> None:
            hashlib.sha256(data)
            container.upload_blob(name, data, overwrite=True)

        def azure_get(name: str) -> int:
            return _hashed(container.download_blob(name).chunks())

        return azure_put, azure_get
    if isinstance(driver, GoogleCloudStorage):
        bucket = driver.bucket

        def gcs_put(name: str, data: bytes) -> None:
            hashlib.sha256(data)
            bucket.blob(name).upload_from_string(data)

        def gcs_get(name: str) -> int:
            return _hashed([bucket.blob(name).download_as_bytes()])

        return gcs_put, gcs_get
    assert isinstance(driver, SwiftStorage)
    connection, container_name = driver.connection, driver.container

    def swift_put(name: str, data: bytes) -> None:
        hashlib.sha256(data)
        connection.put_object(container_name, name, data)

    def swift_get(name: str) -> int:
        _, body = connection.get_object(container_name, name, resp_chunk_size=CHUNK)
        return _hashed(body)

    return swift_put, swift_get


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure(name: str, endpoint: Any, size: int, rounds: int) -> dict[str, float]:
    driver = driver_build("bench", [DRIVER_NAMES[name], endpoint.driver_options()])
    plain_put, plain_get = _plain(driver)
    prefix = getattr(driver, "prefix", "")
    data = os.urandom(size)
    times: dict[str, list[float]] = {"push": [], "pull": [], "plain_push": [], "plain_pull": []}
    for number in range(rounds):
        path = f"bench/blob-{number}"
        plain_name = f"{prefix}/bench/plain-{number}"
        # The order alternates so neither side always runs on a warmer server.
        pairs: list[tuple[str, Callable[[], object]]] = [
            ("push", functools.partial(push_ours, driver, path, data)),
            ("plain_push", functools.partial(plain_put, plain_name, data)),
            ("pull", functools.partial(pull_ours, driver, path)),
            ("plain_pull", functools.partial(plain_get, plain_name)),
        ]
        if number % 2:
            pairs = [pairs[1], pairs[0], pairs[3], pairs[2]]
        for key, action in pairs:
            times[key].append(_timed(action))
        driver.delete(path)
    return {key: size / MB / statistics.median(values) for key, values in times.items()}


def report(rows: dict[str, dict[str, float]], size: int) -> str:
    lines = [
        f"Storage drivers, {size // CHUNK} MiB blobs against each emulator (bench/storage_drivers.py):",
        "",
        "| driver | push MB/s | plain upload MB/s | ratio | pull MB/s | plain download MB/s | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, row in rows.items():
        lines.append(
            f"| {DRIVER_NAMES[name]} | {row['push']:.0f} | {row['plain_push']:.0f} | "
            f"{row['push'] / row['plain_push']:.2f} | {row['pull']:.0f} | {row['plain_pull']:.0f} | "
            f"{row['pull'] / row['plain_pull']:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--drivers", default=",".join(DRIVERS), help=f"comma-separated, of {DRIVERS}")
    parser.add_argument("--mib", type=int, default=64, help="blob size in MiB")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    names = [name for name in args.drivers.split(",") if name]
    unknown = set(names) - set(DRIVERS)
    if unknown:
        parser.error(f"unknown driver(s) {', '.join(sorted(unknown))}; known: {', '.join(DRIVERS)}")
    size = args.mib * CHUNK
    rows: dict[str, dict[str, float]] = {}
    for name in names:
        with ExitStack() as stack:
            endpoint = stack.enter_context(_servers(name))
            print(f"{name}: measuring", file=sys.stderr, flush=True)
            rows[name] = measure(name, endpoint, size, args.rounds)
    print(report(rows, size))


if __name__ == "__main__":
    main()
