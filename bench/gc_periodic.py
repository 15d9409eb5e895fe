"""The periodic GC pass over many unchanged repositories: before (a full run visiting every
repository, as the 900-s job did) against after (the pass over repositories due only).

    .venv/bin/python bench/gc_periodic.py                 # SQLite in a temporary data dir
    .venv/bin/python bench/gc_periodic.py --postgres      # a fresh PostgreSQL database, dropped after
    .venv/bin/python bench/gc_periodic.py --repositories 1000 --tags 3

Each repository gets --tags live tags on their own manifests and blobs (bulk rows, no HTTP); a
first pass settles every repository (none is due afterwards), then each way is timed --rounds
times and the median printed, with the query count of one pass.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--postgres", action="store_true", help="a fresh PostgreSQL database instead of SQLite"
    )
    parser.add_argument("--repositories", type=int, default=1000)
    parser.add_argument("--tags", type=int, default=3, help="live tags per repository")
    parser.add_argument("--rounds", type=int, default=3)
    return parser.parse_args()


def _environment(workdir: Path, database_url: str) -> None:
    config = workdir / "config.yaml"
    config.write_text("{}\n")
    os.environ.update(
        QUAY_CONFIG=str(config),
        QUAY_DATA_DIR=str(workdir),
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="quaysite.settings",
        QUAY_PUSH_TEMP_TAG_EXPIRATION_SEC="0",
        QUAY_LOG_LEVEL="WARNING",
    )


def _build(repositories: int, tags: int) -> None:
    from django.utils import timezone

    from orgs.services import user_create
    from registry.models import Blob, Manifest, ManifestBlob, Repository, RepositoryBlob, Tag

    owner = user_create(username="bench", password="bench-password-1")
    now = timezone.now()
    Repository.objects.bulk_create(
        [Repository(namespace=owner.namespace, name=f"r{n}", gc_due=now) for n in range(repositories)]
    )
    for repository in Repository.objects.all():
        for t in range(tags):
            digest = f"sha256:{repository.pk:032x}{t:032x}"
            blob = Blob.objects.create(digest=digest, size=1)
            manifest = Manifest.objects.create(
                repository=repository, digest=digest, media_type="application/vnd.oci.image.manifest.v1+json",
                content=b"{}", size=2,
            )  # fmt: skip
            ManifestBlob.objects.create(manifest=manifest, blob=blob)
            RepositoryBlob.objects.create(repository=repository, blob=blob)
            Tag.objects.create(repository=repository, name=f"t{t}", manifest=manifest, start=now)


def _timed(func: Callable[[], object]) -> tuple[float, int]:
    """Seconds and database queries of one call (counted by a wrapper: no query log cap)."""
    from django.db import connection

    count = 0

    def counted(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict) -> Any:
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counted):
        started = time.perf_counter()
        func()
        elapsed = time.perf_counter() - started
    return elapsed, count


def main() -> None:
    args = _args()
    workdir = Path(tempfile.mkdtemp(prefix="quay-bench-gc-periodic-"))
    from servers import bench_database

    database_url, drop = bench_database(args.postgres)
    _environment(workdir, database_url)
    try:
        import django

        django.setup()
        from django.core.management import call_command

        from registry.services.gc import gc_run, gc_run_due

        call_command("migrate", verbosity=0)
        _build(args.repositories, args.tags)
        gc_run_due()  # settles every repository: none is due after it
        full = [_timed(gc_run) for _ in range(args.rounds)]
        due = [_timed(gc_run_due) for _ in range(args.rounds)]
        print(
            json.dumps(
                {
                    "database": "postgresql" if args.postgres else "sqlite",
                    "repositories": args.repositories,
                    "before_full_pass_s": round(statistics.median(s for s, _ in full), 3),
                    "before_queries": full[0][1],
                    "after_due_pass_s": round(statistics.median(s for s, _ in due), 5),
                    "after_queries": due[0][1],
                }
            )
        )
    finally:
        if drop:
            drop()


if __name__ == "__main__":
    main()
