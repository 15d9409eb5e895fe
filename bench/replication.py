"""Geo-replication's throughput between two storage locations against a plain copy with the same
client library (boto3), as a ratio (> 1.0: replication is faster).

    .venv/bin/python bench/replication.py                  # 8 blobs of 32 MiB, SQLite
    .venv/bin/python bench/replication.py --blobs 4 --mib 64 --postgres
    .venv/bin/python bench/run.py --replication --rows ''  # the same, from the main benchmark

Two pairs of locations: local disk -> S3, and S3 -> S3 (two buckets), with S3 on a moto server
this script starts. Replication is the worker's own path: ``replication_run()`` claims the
queued rows and streams each blob through the drivers, hashing it and checking its digest,
then records the placement. The plain copy moves the same bytes with boto3's managed transfer
(``upload_fileobj`` from the file, or from ``get_object``'s stream), checking nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers import bench_database, free_port  # noqa: E402

MiB = 1024 * 1024
BUCKETS = ("bench-east", "bench-west")


def _args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--blobs", type=int, default=8)
    parser.add_argument("--mib", type=int, default=32, help="size of each blob")
    parser.add_argument(
        "--postgres", action="store_true", help="a fresh PostgreSQL database instead of SQLite"
    )
    return parser.parse_args(argv)


def _moto(port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            for bucket in BUCKETS:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/{bucket}", method="PUT")
                urllib.request.urlopen(request, timeout=1).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("moto_server did not start")


def _s3(bucket: str, port: int) -> list[Any]:
    options = {
        "s3_bucket": bucket,
        "s3_access_key": "bench",
        "s3_secret_key": "bench",
        "host": "127.0.0.1",
        "port": port,
        "is_secure": False,
        "storage_path": "registry",
    }
    return ["S3Storage", options]


def _environment(workdir: Path, database_url: str, port: int) -> None:
    import yaml

    config = {
        "DISTRIBUTED_STORAGE_CONFIG": {
            "local": ["LocalStorage", {"storage_path": str(workdir / "local")}],
            "east": _s3(BUCKETS[0], port),
            "west": _s3(BUCKETS[1], port),
        },
        "DISTRIBUTED_STORAGE_PREFERENCE": ["local", "east", "west"],
    }
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    os.environ.update(
        QUAY_CONFIG=str(workdir / "config.yaml"),
        QUAY_DATA_DIR=str(workdir),
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="quaysite.settings",
        QUAY_LOG_LEVEL="WARNING",
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
    )


def _blobs_make(count: int, size: int, source: str) -> list[tuple[int, str]]:
    """Blobs of random bytes stored in ``source`` with their rows; returns (id, digest)."""
    from registry.models import Blob, BlobPlacement
    from registry.storage import storage_for
    from registry.storage.paths import blob_path

    made = []
    for _ in range(count):
        data = os.urandom(size)
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        with storage_for(source).writer(blob_path(digest)) as writer:
            for start in range(0, size, MiB):
                writer.write(data[start : start + MiB])
            writer.commit()
        blob = Blob.objects.create(digest=digest, size=size)
        BlobPlacement.objects.create(blob=blob, location=source)
        made.append((blob.pk, digest))
    return made


def _replication_seconds(blobs: list[tuple[int, str]], target: str) -> float:
    from registry.models import BlobPlacement, BlobReplication
    from registry.services.replication import replication_run

    BlobReplication.objects.bulk_create([BlobReplication(blob_id=pk, location=target) for pk, _ in blobs])
    started = time.perf_counter()
    copied = replication_run(budget=3600)
    seconds = time.perf_counter() - started
    placed = BlobPlacement.objects.filter(blob_id__in=[pk for pk, _ in blobs], location=target).count()
    if copied != len(blobs) or placed != len(blobs):
        raise RuntimeError(f"replication to {target} copied {copied} of {len(blobs)} blobs")
    return seconds


def _plain_seconds(
    blobs: list[tuple[int, str]], source: str, target_bucket: str, port: int, workdir: Path
) -> float:
    import boto3

    from registry.storage.paths import blob_path

    client = boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{port}",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
    )
    started = time.perf_counter()
    for _, digest in blobs:
        key = f"plain/{blob_path(digest)}"
        if source == "local":
            with open(workdir / "local" / blob_path(digest), "rb") as stream:
                client.upload_fileobj(stream, target_bucket, key)
        else:
            body = client.get_object(Bucket=BUCKETS[0], Key=f"registry/{blob_path(digest)}")["Body"]
            client.upload_fileobj(body, target_bucket, key)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    port = free_port()
    moto = _moto(port)
    database_url, drop = bench_database(args.postgres)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-replication-") as tmp:
            workdir = Path(tmp)
            _environment(workdir, database_url, port)
            import django
            from django.core.management import call_command

            django.setup()
            call_command("migrate", verbosity=0)
            size = args.mib * MiB
            total_mb = args.blobs * size / 1_000_000
            database = "PostgreSQL" if args.postgres else "SQLite"
            print(f"{args.blobs} blobs of {args.mib} MiB; S3 on moto; {database}\n")
            print("| pair | replication MB/s | plain boto3 copy MB/s | ratio |")
            print("|---|---|---|---|")
            for source, target, bucket in (("local", "east", BUCKETS[0]), ("east", "west", BUCKETS[1])):
                blobs = _blobs_make(args.blobs, size, source)
                replicated = total_mb / _replication_seconds(blobs, target)
                plain = total_mb / _plain_seconds(blobs, source, bucket, port, workdir)
                print(f"| {source} -> {target} | {replicated:.0f} | {plain:.0f} | {replicated / plain:.2f} |")
    finally:
        moto.terminate()
        moto.wait(timeout=10)
        if drop is not None:
            drop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
