"""Quota management's cost: the push path with FEATURE_QUOTA_MANAGEMENT on against off, and the
backfill's time on 100,000 manifests.

    .venv/bin/python bench/quota.py --postgres        # both parts, ours on fresh PostgreSQL databases
    .venv/bin/python bench/quota.py --part push       # only the push comparison (SQLite unless --postgres)
    .venv/bin/python bench/quota.py --part backfill   # only the backfill (always PostgreSQL)
    .venv/bin/python bench/run.py --rows 4 --quota    # run.py's rows, then this benchmark's table

Push: two servers of ours side by side, the same but for the feature and a quota on the pushing
user's namespace (1 TB, Warning at 80 %, Reject at 100 %: far from full, so every check passes).
Each round pushes an image of --layers small layers with run.py's push driver (row 4: per layer
HEAD, POST, PATCH chunked, PUT, then config and manifest), then as many one-layer images as fit
in --small-seconds; the servers alternate going first. Reported: ms per layer and pushes/s, and
the server's CPU (its processes and, with --postgres, its database backends) per layer and per
push, which the machine's other load disturbs far less than wall time; the median over rounds,
and on/off ratios (target: under 5 % slower, ratio >= 0.95).

Backfill: in a child process on a fresh PostgreSQL database, --namespaces x --repositories x
--manifests manifest rows made by bulk SQL (no pushes), each manifest referencing its own config
and layer and 3 layers of a pool of 200 shared ones; then ``quota_backfill()`` is timed until
every namespace is sized (or --backfill-seconds pass) and every stored namespace total is checked
against one GROUP BY over the rows.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import PASSWORD, USER, SmallImage, log, push_image, row_many_layers, target_for  # noqa: E402
from servers import DEFAULT_SERVER_CMD, PYTHON, ROOT, start_ours  # noqa: E402

QUOTA_CONFIG = "FEATURE_QUOTA_MANAGEMENT: true\n"
QUOTA_SETUP = f"""
from orgs.models import Namespace
from quota.models import NamespaceQuota, QuotaLimit
quota = NamespaceQuota.objects.create(namespace=Namespace.objects.get(name={USER!r}), limit_bytes=10**12)
QuotaLimit.objects.create(quota=quota, kind="Warning", threshold_percent=80)
QuotaLimit.objects.create(quota=quota, kind="Reject", threshold_percent=100)
"""
SMALL_PUSHES_MAX = 2000


def _small_pushes(target, repo: str, seconds: float, layer_bytes: int) -> tuple[float, float]:
    """One-layer images pushed one after another for ``seconds``: (pushes/s, server CPU ms per push)."""
    count, started, cpu_mark = 0, time.perf_counter(), target.cpu_mark()
    while count < SMALL_PUSHES_MAX and time.perf_counter() - started < seconds:
        image = SmallImage([os.urandom(layer_bytes)])
        push_image(target, repo, image, f"t{count}")
        count += 1
    rate = count / (time.perf_counter() - started)
    return rate, 1000 * target.cpu_since(cpu_mark) / max(count, 1)


def push_compare(args: argparse.Namespace) -> dict:
    """Both servers, --rounds rounds each; the medians and the on/off ratios."""
    servers = []
    measured: dict[str, dict[str, list[float]]] = {
        label: {"ms_per_layer": [], "cpu_ms_per_layer": [], "pushes_per_s": [], "cpu_ms_per_push": []}
        for label in ("off", "on")
    }
    try:
        for label, config, setup in (("off", "{}\n", ""), ("on", QUOTA_CONFIG, QUOTA_SETUP)):
            log(f"starting ours with quota {label}")
            server = start_ours(
                server_cmd=args.server_cmd,
                postgres=args.postgres,
                user=USER,
                password=PASSWORD,
                config_yaml=config,
                setup=setup,
            )
            server.label = f"quota {label}"
            servers.append(server)
        targets = dict(zip(("off", "on"), (target_for(server) for server in servers), strict=True))
        for rnd in range(args.rounds):
            order = ["off", "on"] if rnd % 2 == 0 else ["on", "off"]
            for label in order:
                target = targets[label]
                image = SmallImage([os.urandom(args.layer_bytes) for _ in range(args.layers)])
                layers = row_many_layers(target, f"{USER}/layers{rnd}", image, 1)
                rate, cpu_per_push = _small_pushes(
                    target, f"{USER}/small{rnd}", args.small_seconds, args.layer_bytes
                )
                measured[label]["ms_per_layer"].append(layers.details["ms_per_layer"])
                measured[label]["cpu_ms_per_layer"].append(1000 * layers.server_cpu_s / args.layers)
                measured[label]["pushes_per_s"].append(rate)
                measured[label]["cpu_ms_per_push"].append(cpu_per_push)
                per_layer = layers.details["ms_per_layer"]
                log(f"round {rnd + 1}/{args.rounds} quota {label}: {per_layer} ms/layer, {rate:.1f} pushes/s")
    finally:
        for server in servers:
            server.stop()
    medians = {label: {k: statistics.median(v) for k, v in m.items()} for label, m in measured.items()}
    return {
        "database": "PostgreSQL" if args.postgres else "SQLite",
        "rounds": measured,
        "median": medians,
        # > 1.0 means quota on is faster; the target is >= 0.95.
        "ratio_ms_per_layer": medians["off"]["ms_per_layer"] / medians["on"]["ms_per_layer"],
        "ratio_pushes_per_s": medians["on"]["pushes_per_s"] / medians["off"]["pushes_per_s"],
        "ratio_cpu_ms_per_layer": medians["off"]["cpu_ms_per_layer"] / medians["on"]["cpu_ms_per_layer"],
        "ratio_cpu_ms_per_push": medians["off"]["cpu_ms_per_push"] / medians["on"]["cpu_ms_per_push"],
    }


# Ids come from row_number() over the rows just inserted, so the build needs an empty database.
_BUILD = [
    """INSERT INTO orgs_namespace (name, kind, created)
       SELECT 'bq' || n, 'organization', now() FROM generate_series(1, %(namespaces)s) n""",
    """INSERT INTO registry_repository (name, is_public, state, description, created, namespace_id)
       SELECT 'r' || k, false, 'NORMAL', '', now(), ns.id
       FROM orgs_namespace ns, generate_series(1, %(repositories)s) k""",
    """INSERT INTO registry_manifest (digest, media_type, artifact_type, content, size,
           config_media_type, subject_digest, annotations, created, repository_id)
       SELECT 'sha256:' || md5(r.id || '-' || k) || md5(k || '-' || r.id),
           'application/vnd.oci.image.manifest.v1+json', '', '\\x7b7d'::bytea, 400 + (r.id * k) %% 1000,
           '', '', '{}'::jsonb, now(), r.id
       FROM registry_repository r, generate_series(1, %(manifests)s) k""",
    # The shared pool (1 MiB and a bit), then two own blobs (config, layer) per manifest.
    """INSERT INTO registry_blob (digest, size, created)
       SELECT 'sha256:' || lpad(to_hex(n), 64, '0'), 1048576 + n, now() FROM generate_series(1, 200) n""",
    """INSERT INTO registry_blob (digest, size, created)
       SELECT 'sha256:' || lpad(to_hex(1000000 + n), 64, '0'), 1000 + n %% 50000, now()
       FROM generate_series(1, 2 * (SELECT count(*) FROM registry_manifest)) n""",
    """CREATE TEMPORARY TABLE bench_manifest AS
       SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM registry_manifest""",
    """CREATE TEMPORARY TABLE bench_blob AS
       SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM registry_blob""",
    """INSERT INTO registry_manifestblob (manifest_id, blob_id)
       SELECT m.id, b.id FROM bench_manifest m CROSS JOIN generate_series(0, 4) j
       JOIN bench_blob b ON b.i = CASE WHEN j < 2 THEN 200 + 2 * m.i + j ELSE (m.i * 7 + j) %% 200 END""",
    "ANALYZE",
]
_NAMESPACE_TOTALS = """
    SELECT n.id,
        COALESCE((SELECT SUM(m.size) FROM registry_manifest m JOIN registry_repository r
            ON r.id = m.repository_id WHERE r.namespace_id = n.id), 0)
        + COALESCE((SELECT SUM(b.size) FROM registry_blob b JOIN (
            SELECT DISTINCT mb.blob_id FROM registry_manifestblob mb
            JOIN registry_manifest m ON m.id = mb.manifest_id
            JOIN registry_repository r ON r.id = m.repository_id WHERE r.namespace_id = n.id
        ) held ON held.blob_id = b.id), 0)
    FROM orgs_namespace n
"""


def backfill_child(args: argparse.Namespace) -> dict:
    """Runs in its own process: Django set up on a fresh PostgreSQL database."""
    from servers import _pg_create

    database_url, drop = _pg_create()
    workdir = Path(tempfile.mkdtemp(prefix="quay-bench-quota-"))
    (workdir / "config.yaml").write_text("{}\n")
    os.environ.update(
        QUAY_CONFIG=str(workdir / "config.yaml"),
        QUAY_DATA_DIR=str(workdir),
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="quaysite.settings",
        QUAY_LOG_LEVEL="WARNING",
    )
    sys.path.insert(0, str(ROOT))
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection, connections

        from quota.backfill import quota_backfill
        from quota.models import NamespaceSize

        call_command("migrate", verbosity=0)
        sizes = {
            "namespaces": args.namespaces,
            "repositories": args.repositories,
            "manifests": args.manifests,
        }
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for statement in _BUILD:
                cursor.execute(statement, sizes)
            cursor.execute("SELECT count(*) FROM registry_manifest")
            manifests = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM registry_manifestblob")
            references = cursor.fetchone()[0]
        build_s = time.perf_counter() - started
        log(f"built {manifests} manifests, {references} blob references in {build_s:.1f} s; backfilling")
        started, cpu_started = time.perf_counter(), time.process_time()
        sized = quota_backfill(deadline=time.monotonic() + args.backfill_seconds)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        with connection.cursor() as cursor:
            cursor.execute(_NAMESPACE_TOTALS)
            expected = dict(cursor.fetchall())
        stored = dict(NamespaceSize.objects.values_list("namespace_id", "total_bytes"))
        connections.close_all()
        return {
            "manifests": manifests,
            "blob_references": references,
            "build_s": round(build_s, 1),
            "namespaces_sized": len(sized),
            "namespaces_left": NamespaceSize.objects.filter(sized_at__isnull=True).count(),
            "backfill_s": round(elapsed, 2),
            "backfill_process_cpu_s": round(cpu, 2),
            "namespaces_per_s": round(len(sized) / elapsed, 1),
            "manifests_per_s": round(manifests * len(sized) / max(len(expected), 1) / elapsed),
            "namespace_totals_wrong": sum(stored.get(pk) != total for pk, total in expected.items()),
        }
    finally:
        from django.db import connections

        connections.close_all()
        drop()


def backfill_measure(args: argparse.Namespace) -> dict:
    """The backfill part in a child process, so this one stays free of Django."""
    argv = [PYTHON, __file__, "--backfill-child", "--namespaces", str(args.namespaces)]
    argv += ["--repositories", str(args.repositories), "--manifests", str(args.manifests)]
    argv += ["--backfill-seconds", str(args.backfill_seconds)]
    done = subprocess.run(
        argv, cwd=ROOT, capture_output=True, text=True, timeout=args.backfill_seconds + 900, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"backfill benchmark failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(push: dict | None, backfill: dict | None) -> str:
    lines = []
    if push is not None:
        off, on = push["median"]["off"], push["median"]["on"]
        lines += [
            f"Push, FEATURE_QUOTA_MANAGEMENT on (1 TB quota, Warning 80 %, Reject 100 %) against off, "
            f"{push['database']}; ratio > 1.0 means quota on is faster, target >= 0.95:",
            "",
            "| what | quota off | quota on | ratio |",
            "|---|---|---|---|",
            f"| image of many layers, ms per layer | {off['ms_per_layer']:.2f} | {on['ms_per_layer']:.2f} "
            f"| {push['ratio_ms_per_layer']:.3f} |",
            f"| one-layer images, pushes/s | {off['pushes_per_s']:.1f} | {on['pushes_per_s']:.1f} "
            f"| {push['ratio_pushes_per_s']:.3f} |",
            f"| server CPU ms per layer | {off['cpu_ms_per_layer']:.2f} | {on['cpu_ms_per_layer']:.2f} "
            f"| {push['ratio_cpu_ms_per_layer']:.3f} |",
            f"| server CPU ms per one-layer push | {off['cpu_ms_per_push']:.2f} "
            f"| {on['cpu_ms_per_push']:.2f} | {push['ratio_cpu_ms_per_push']:.3f} |",
            "",
        ]
    if backfill is not None:
        lines += [
            "Backfill on PostgreSQL (bulk-inserted rows, no pushes):",
            "",
            "| manifests | blob references | namespaces sized | left | s | namespaces/s | manifests/s "
            "| process CPU s | namespace totals wrong |",
            "|---|---|---|---|---|---|---|---|---|",
            f"| {backfill['manifests']:,} | {backfill['blob_references']:,} "
            f"| {backfill['namespaces_sized']:,} "
            f"| {backfill['namespaces_left']} | {backfill['backfill_s']} | {backfill['namespaces_per_s']} "
            f"| {backfill['manifests_per_s']:,} | {backfill['backfill_process_cpu_s']} "
            f"| {backfill['namespace_totals_wrong']} |",
            "",
        ]
    return "\n".join(lines)


def arguments_add(parser: argparse.ArgumentParser) -> None:
    """This benchmark's options, shared with run.py --quota (which has its own --postgres,
    --server-cmd, --rounds, --layers and --layer-bytes)."""
    parser.add_argument("--small-seconds", type=float, default=10.0, help="one-layer pushes per round")
    parser.add_argument("--namespaces", type=int, default=1000)
    parser.add_argument("--repositories", type=int, default=10, help="per namespace")
    parser.add_argument("--manifests", type=int, default=10, help="per repository")
    parser.add_argument("--backfill-seconds", type=float, default=600.0, help="the backfill's deadline")


def quota_rows(args: argparse.Namespace, parts: tuple[str, ...] = ("push", "backfill")) -> tuple[str, dict]:
    push = push_compare(args) if "push" in parts else None
    backfill = backfill_measure(args) if "backfill" in parts else None
    return table(push, backfill), {"push": push, "backfill": backfill}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--part", choices=["push", "backfill", "both"], default="both")
    parser.add_argument(
        "--postgres", action="store_true", help="the push servers on fresh PostgreSQL databases"
    )
    parser.add_argument("--server-cmd", default=DEFAULT_SERVER_CMD)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--layers", type=int, default=200)
    parser.add_argument("--layer-bytes", type=int, default=4096)
    parser.add_argument("--backfill-child", action="store_true", help=argparse.SUPPRESS)
    arguments_add(parser)
    args = parser.parse_args()
    if args.backfill_child:
        print(json.dumps(backfill_child(args)))
        return 0
    parts = ("push", "backfill") if args.part == "both" else (args.part,)
    markdown, payload = quota_rows(args, parts)
    print(markdown)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"quota-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps({**payload, "markdown": markdown}, indent=2))
    log(f"saved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
