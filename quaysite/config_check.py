"""`manage.py checkconfig [config.yaml]`: every problem in a configuration, one per line.

First what needs no service: every key, its type, the environment's overrides and the rules
between keys (quaysite.config, the same check start-up runs). Then, when those pass, whether the
services it names answer: the database (through Django's own connection, libpq options and all),
Redis, and each app's checks registered in ``live_checks`` (the registry writes, reads and
deletes a probe object in every storage location). manage.py runs this before Django loads the
settings, so a configuration the server would refuse is still reported in full.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from quaysite.config import config_problems

# Each takes the loaded configuration and yields its problems; apps append theirs in ready().
live_checks: list[Callable[[dict[str, Any]], Iterator[str]]] = []

EXIT_OK, EXIT_UNREACHABLE, EXIT_INVALID = 0, 1, 2


def _database_problems() -> Iterator[str]:
    from django.db import connections

    connection = connections["default"]
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        yield "DB_URI: the database does not answer: " + " ".join(str(exc).split())
    finally:
        connection.close()


def _redis_problems(values: dict[str, Any]) -> Iterator[str]:
    if not values["REDIS_URL"]:
        return
    from redis import Redis

    try:
        # rediss:// options ride in the URL as everywhere else (?ssl_ca_certs=/etc/quay/ca.pem).
        Redis.from_url(values["REDIS_URL"], socket_timeout=5, socket_connect_timeout=5).ping()
    except Exception as exc:
        yield f"REDIS_URL: Redis does not answer: {exc}"


def _live_problems(values: dict[str, Any]) -> Iterator[str]:
    import django

    try:
        # The apps' own start-up checks run here (a storage driver's options, its directory).
        django.setup()
    except Exception as exc:
        yield f"start-up failed: {type(exc).__name__}: " + " ".join(str(exc).split())
        return
    yield from _database_problems()
    yield from _redis_problems(values)
    for check in live_checks:
        yield from check(values)


def config_check(path: Path | None, out: TextIO) -> int:
    environ = dict(os.environ)
    if path is not None:
        environ["QUAY_CONFIG"] = str(path)
    values, problems = config_problems(environ)
    for problem in problems:
        out.write(f"{problem}\n")
    if problems:
        out.write(f"{len(problems)} problem(s): the server would refuse to start with this configuration\n")
        return EXIT_INVALID
    if path is not None:
        # Django's settings load the same file.
        os.environ["QUAY_CONFIG"] = str(path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quaysite.settings")
    unreachable = list(_live_problems(values))
    for problem in unreachable:
        out.write(f"{problem}\n")
    if unreachable:
        out.write(f"{len(unreachable)} problem(s): the configuration is valid, but these do not answer\n")
        return EXIT_UNREACHABLE
    named = path or environ.get("QUAY_CONFIG") or "the embedded defaults"
    out.write(f"{named}: valid; the database, Redis and storage answer\n")
    return EXIT_OK


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="manage.py checkconfig", description=__doc__.splitlines()[0])
    parser.add_argument("config", nargs="?", type=Path, help="config.yaml to check (default: QUAY_CONFIG)")
    arguments = parser.parse_args(argv)
    if arguments.config is not None and not arguments.config.is_file():
        sys.stdout.write(f"{arguments.config}: not a file\n")
        return EXIT_INVALID
    return config_check(arguments.config, sys.stdout)
