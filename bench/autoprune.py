"""Auto-prune on one namespace of 10,000 tags in 100 repositories: a dry run, then the worker's
real run, timed; prints seconds, tags per second and the queries per repository.

    .venv/bin/python bench/autoprune.py               # SQLite in a temporary data dir
    .venv/bin/python bench/autoprune.py --postgres    # a fresh PostgreSQL database, dropped after
    .venv/bin/python bench/autoprune.py --repositories 20 --tags-per-repository 500 --keep 50
    .venv/bin/python bench/run.py --autoprune --rows ''   # the same, from the main benchmark

The rows are bulk-inserted (no HTTP): per repository one manifest and its tags, pushed a second
apart. One namespace policy, number_of_tags --keep, selects what goes. The real run is the
worker's: the claim of the namespace's task, then the prune through the registry's tag service
(time machine, GC mark, hooks) with one audit row per tag. After it the script checks that every
repository kept exactly --keep live tags and that each pruned tag has its audit row.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
BATCH = 2000

if TYPE_CHECKING:
    from orgs.models import Namespace
    from pruning.services import PruneResult


def _args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--postgres", action="store_true", help="a fresh PostgreSQL database instead of SQLite"
    )
    parser.add_argument("--repositories", type=int, default=100)
    parser.add_argument("--tags-per-repository", type=int, default=100)
    parser.add_argument("--keep", type=int, default=10, help="the policy's number_of_tags")
    return parser.parse_args(argv)


def _environment(workdir: Path, database_url: str) -> None:
    config = workdir / "config.yaml"
    config.write_text("{}\n")
    os.environ.update(
        QUAY_CONFIG=str(config),
        QUAY_DATA_DIR=str(workdir),
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="quaysite.settings",
        QUAY_LOG_LEVEL="WARNING",
    )


def _build(args: argparse.Namespace) -> Namespace:
    from django.utils import timezone

    from orgs.services import organization_create, user_create
    from pruning.services import namespace_policy_create
    from registry.models import Manifest, Repository, Tag

    owner = user_create(username="bench", password="bench-password-1")
    organization = organization_create(name="pruneorg", creator=owner)
    namespace = organization.namespace
    repositories = Repository.objects.bulk_create(
        [Repository(namespace=namespace, name=f"app{index:03d}") for index in range(args.repositories)]
    )
    manifests = Manifest.objects.bulk_create(
        [
            Manifest(
                repository=repository,
                digest="sha256:" + hashlib.sha256(repository.name.encode()).hexdigest(),
                media_type=OCI_MANIFEST,
                content=b"{}",
                size=2,
            )
            for repository in repositories
        ]
    )
    now = timezone.now()
    tags = [
        Tag(
            repository=repository,
            name=f"build-{index}",
            manifest=manifest,
            start=now - timedelta(seconds=args.tags_per_repository - index),
        )
        for repository, manifest in zip(repositories, manifests, strict=True)
        for index in range(args.tags_per_repository)
    ]
    Tag.objects.bulk_create(tags, batch_size=BATCH)
    namespace_policy_create(actor=owner, namespace=namespace, method="number_of_tags", value=args.keep)
    return namespace


def _timed(work: Callable[[], Any]) -> tuple[float, int, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = work()
        elapsed = time.perf_counter() - started
    return elapsed, len(queries), result


def _check(args: argparse.Namespace, pruned: int) -> dict:
    from django.db.models import Count
    from django.utils import timezone

    from orgs.models import AuditLog
    from registry.models import Tag
    from registry.tag_liveness import tag_active_q

    live = Tag.objects.filter(tag_active_q(timezone.now())).values("repository_id").annotate(n=Count("pk"))
    kept = {row["n"] for row in live}
    return {
        "every_repository_kept": kept == {min(args.keep, args.tags_per_repository)},
        "audit_rows": AuditLog.objects.filter(kind="autoprune_tag_delete").count(),
        "audit_rows_match": AuditLog.objects.filter(kind="autoprune_tag_delete").count() == pruned,
    }


def measure(args: argparse.Namespace) -> dict:
    from django.core.management import call_command

    from pruning.services import namespace_prune
    from pruning.worker import autoprune_task_claim, autoprune_task_run

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    namespace = _build(args)
    setup_s = time.perf_counter() - started
    dry_s, dry_queries, dry = _timed(lambda: namespace_prune(namespace=namespace, dry_run=True))

    def real_run() -> PruneResult:
        task = autoprune_task_claim()
        assert task is not None, "the namespace's task is due"
        result = autoprune_task_run(task).result
        assert result is not None, "the namespace has its policy"
        return result

    real_s, real_queries, real = _timed(real_run)
    repositories = args.repositories
    return {
        "tags": repositories * args.tags_per_repository,
        "repositories": repositories,
        "setup_s": round(setup_s, 1),
        "dry_run_s": round(dry_s, 2),
        "dry_run_tags": len(dry.tags),
        "dry_run_tags_per_s": round(len(dry.tags) / dry_s),
        "dry_run_queries_per_repository": round(dry_queries / repositories, 2),
        "run_s": round(real_s, 2),
        "run_tags_pruned": len(real.tags),
        "run_tags_per_s": round(len(real.tags) / real_s),
        "run_queries_per_repository": round(real_queries / repositories, 2),
        **_check(args, len(real.tags)),
    }


def run(argv: list[str] | None = None) -> dict:
    """Sets up a fresh database, measures, tears it down; returns the figures."""
    args = _args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="quay-bench-autoprune-"))
    from servers import bench_database

    database_url, drop = bench_database(args.postgres)
    _environment(workdir, database_url)
    try:
        import django

        django.setup()
        result = {"database": "postgresql" if args.postgres else "sqlite", **measure(args)}
    finally:
        from django.db import connections

        connections.close_all()
        if drop is not None:
            drop()
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def markdown(result: dict) -> str:
    return "\n".join(
        [
            "| " + " | ".join(result) + " |",
            "|" + "---|" * len(result),
            "| " + " | ".join(str(value) for value in result.values()) + " |",
        ]
    )


def main() -> None:
    result = run()
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"autoprune-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(result, indent=2))
    print(markdown(result))


if __name__ == "__main__":
    main()
