"""Garbage collection on one big repository: 10,000 tags over shared layers, a share of them
deleted past the time machine, one GC run timed; prints the bytes reclaimed and the time taken.

    .venv/bin/python bench/gc.py                  # SQLite in a temporary data dir
    .venv/bin/python bench/gc.py --postgres       # a fresh PostgreSQL database, dropped after
    .venv/bin/python bench/gc.py --tags 2000 --garbage 0.3

The content is made directly with the storage driver and bulk row inserts (no HTTP), so setting up
10,000 tags takes seconds. Each tag points to its own manifest with its own config blob and its
own small layer, plus --shared-per-image layers drawn from a pool every image shares. --garbage of
the tags end past the namespace's time machine (GC deletes them and what only they reach);
--in-window more end inside it (GC keeps them). After the run it checks that every blob a kept
manifest names still has its row and its file, and that the garbage left no row and no file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CONFIG_TYPE = "application/vnd.oci.image.config.v1+json"
LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip"
BATCH = 2000


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--postgres", action="store_true", help="a fresh PostgreSQL database instead of SQLite"
    )
    parser.add_argument("--tags", type=int, default=10_000)
    parser.add_argument("--pool", type=int, default=200, help="layers shared between images")
    parser.add_argument("--shared-per-image", type=int, default=4)
    parser.add_argument("--shared-kib", type=int, default=256, help="size of each shared layer")
    parser.add_argument("--own-kib", type=int, default=16, help="size of each image's own layer")
    parser.add_argument("--garbage", type=float, default=0.5, help="share of tags ended past the window")
    parser.add_argument("--in-window", type=float, default=0.1, help="share of tags ended inside the window")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--delete-repository", action="store_true", help="then delete the repository and time its purge"
    )
    return parser.parse_args()


def _environment(workdir: Path, database_url: str) -> None:
    config = workdir / "config.yaml"
    config.write_text("{}\n")
    os.environ.update(
        QUAY_CONFIG=str(config),
        QUAY_DATA_DIR=str(workdir),
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="quaysite.settings",
        # Content made seconds ago must count as old: no grace period.
        QUAY_PUSH_TEMP_TAG_EXPIRATION_SEC="0",
        QUAY_LOG_LEVEL="WARNING",
    )


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Builder:
    """Writes blobs to storage and rows in bulk for one repository."""

    def __init__(self, repository, rng: random.Random) -> None:
        from registry.storage import preferred_location, storage_for

        self.repository = repository
        self.rng = rng
        self.location = preferred_location()
        self.storage = storage_for(self.location)
        self.pending: list[tuple[str, int]] = []
        self.ids: dict[str, int] = {}

    def blob(self, data: bytes) -> dict:
        from registry.storage.paths import blob_path

        digest = _digest(data)
        with self.storage.writer(blob_path(digest)) as writer:
            writer.write(data)
            writer.commit()
        self.pending.append((digest, len(data)))
        return {"digest": digest, "size": len(data)}

    def flush_blobs(self) -> None:
        from registry.models import Blob, BlobPlacement, RepositoryBlob

        rows = Blob.objects.bulk_create([Blob(digest=d, size=s) for d, s in self.pending], batch_size=BATCH)
        self.ids.update({row.digest: row.pk for row in rows})
        BlobPlacement.objects.bulk_create(
            [BlobPlacement(blob_id=row.pk, location=self.location) for row in rows], batch_size=BATCH
        )
        RepositoryBlob.objects.bulk_create(
            [RepositoryBlob(repository=self.repository, blob_id=row.pk) for row in rows], batch_size=BATCH
        )
        self.pending = []


def _build(args: argparse.Namespace) -> dict:
    from django.utils import timezone

    from orgs.models import Namespace
    from orgs.services import organization_create, user_create
    from registry.models import Manifest, ManifestBlob, Repository, Tag

    rng = random.Random(args.seed)
    owner = user_create(username="bench", password="bench-password-1")
    organization = organization_create(name="benchorg", creator=owner)
    Namespace.objects.filter(pk=organization.namespace_id).update(time_machine_seconds=86400)
    repository = Repository.objects.create(namespace=organization.namespace, name="big")
    builder = Builder(repository, rng)
    pool = [builder.blob(rng.randbytes(args.shared_kib * 1024)) for _ in range(args.pool)]
    images = []
    for index in range(args.tags):
        config = builder.blob(json.dumps({"architecture": "amd64", "os": "linux", "n": index}).encode())
        layers = [*rng.sample(pool, args.shared_per_image), builder.blob(rng.randbytes(args.own_kib * 1024))]
        body = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "config": {"mediaType": CONFIG_TYPE, **config},
                "layers": [{"mediaType": LAYER_TYPE, **layer} for layer in layers],
            }
        ).encode()
        images.append((body, [config["digest"]] + [layer["digest"] for layer in layers]))
        if len(builder.pending) >= BATCH:
            builder.flush_blobs()
    builder.flush_blobs()
    manifests = Manifest.objects.bulk_create(
        [
            Manifest(
                repository=repository,
                digest=_digest(body),
                media_type=OCI_MANIFEST,
                content=body,
                size=len(body),
            )
            for body, _ in images
        ],
        batch_size=BATCH,
    )
    ManifestBlob.objects.bulk_create(
        [
            ManifestBlob(manifest_id=manifest.pk, blob_id=builder.ids[digest])
            for manifest, (_, digests) in zip(manifests, images, strict=True)
            for digest in dict.fromkeys(digests)
        ],
        batch_size=BATCH,
    )
    now = timezone.now()
    ends: list[datetime | None] = []
    for _ in manifests:
        draw = rng.random()
        if draw < args.garbage:
            ends.append(now - timedelta(days=2))
        elif draw < args.garbage + args.in_window:
            ends.append(now - timedelta(hours=1))
        else:
            ends.append(None)
    Tag.objects.bulk_create(
        [
            Tag(
                repository=repository,
                name=f"t{index}",
                manifest_id=manifest.pk,
                start=now - timedelta(days=3),
                end=end,
            )
            for index, (manifest, end) in enumerate(zip(manifests, ends, strict=True))
        ],
        batch_size=BATCH,
    )
    return {"garbage_tags": sum(1 for end in ends if end is not None and end < now - timedelta(days=1))}


def _storage_bytes(root: Path) -> tuple[int, int]:
    files = [path for path in root.rglob("*") if path.is_file()]
    return len(files), sum(path.stat().st_size for path in files)


def _check() -> dict:
    """Every blob a remaining manifest names has its row and file; no file lacks a row."""
    from registry.models import Blob, ManifestBlob
    from registry.storage import storage_for
    from registry.storage.local import LocalStorage
    from registry.storage.paths import blob_path

    storage = storage_for("local")
    assert isinstance(storage, LocalStorage)  # the benchmark's settings name the local driver
    needed = set(ManifestBlob.objects.values_list("blob__digest", flat=True))
    rows = set(Blob.objects.values_list("digest", flat=True))
    missing_rows = needed - rows
    missing_files = [digest for digest in rows if not storage.exists(blob_path(digest))]
    files = {f"sha256:{path.name}" for path in Path(storage.root, "sha256").rglob("*") if path.is_file()}
    return {
        "kept_blobs_without_row": len(missing_rows),
        "rows_without_file": len(missing_files),
        "files_without_row": len(files - rows),
    }


def _purge_timed(workdir: Path) -> dict:
    """Deletes the repository as the API does, then waits for the GC job that queued."""
    from quaysite.jobs import in_process_worker_wait_idle
    from registry.models import GCRun, Repository
    from registry.services.repositories import repository_delete

    repository = Repository.objects.select_related("namespace").get(name="big")
    started = time.perf_counter()
    repository_delete(repository=repository, actor=None)
    deleted_s = time.perf_counter() - started
    started = time.perf_counter()
    if not in_process_worker_wait_idle(timeout=600):
        raise RuntimeError("the queued GC job did not finish within 10 minutes")
    run = GCRun.objects.latest("started")
    return {
        "repository_delete_s": round(deleted_s, 2),
        "purge_gc_s": round(time.perf_counter() - started, 2),
        "purge_blobs_deleted": run.blobs_deleted,
        "purge_bytes_reclaimed": run.bytes_reclaimed,
        "storage_files_after_purge": _storage_bytes(workdir / "storage")[0],
    }


def main() -> None:
    args = _args()
    workdir = Path(tempfile.mkdtemp(prefix="quay-bench-gc-"))
    from servers import bench_database

    database_url, drop = bench_database(args.postgres)
    _environment(workdir, database_url)
    try:
        import django

        django.setup()
        from django.core.management import call_command

        from registry.services.gc import gc_run

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        built = _build(args)
        setup_s = time.perf_counter() - started
        files_before, bytes_before = _storage_bytes(workdir / "storage")
        started = time.perf_counter()
        cpu_started = time.process_time()
        run = gc_run()
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        files_after, bytes_after = _storage_bytes(workdir / "storage")
        checked = _check()
        purge = _purge_timed(workdir) if args.delete_repository else {}
        result = {
            "database": "postgresql" if args.postgres else "sqlite",
            "tags": args.tags,
            "garbage_tags": built["garbage_tags"],
            "setup_s": round(setup_s, 1),
            "gc_s": round(elapsed, 2),
            "gc_process_cpu_s": round(cpu, 2),
            "tags_deleted": run.tags_deleted,
            "manifests_deleted": run.manifests_deleted,
            "blob_links_deleted": run.blob_links_deleted,
            "blobs_deleted": run.blobs_deleted,
            "bytes_reclaimed": run.bytes_reclaimed,
            "storage_bytes_before": bytes_before,
            "storage_bytes_after": bytes_after,
            "storage_files_before": files_before,
            "storage_files_after": files_after,
            **checked,
            **purge,
        }
    finally:
        from django.db import connections

        connections.close_all()
        if drop is not None:
            drop()
        shutil.rmtree(workdir, ignore_errors=True)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"gc-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(result, indent=2))
    print("| " + " | ".join(result) + " |")
    print("|" + "---|" * len(result))
    print("| " + " | ".join(str(value) for value in result.values()) + " |")


if __name__ == "__main__":
    main()
