"""`manage.py checkconfig [config.yaml]`, listed among the commands; manage.py runs
quaysite.config_check itself before Django starts, so a broken configuration is reported too."""

from __future__ import annotations

import sys
from argparse import ArgumentParser

from django.core.management.base import BaseCommand

from quaysite.config_check import main


class Command(BaseCommand):
    help = "Check a config.yaml: every key, type and rule, then the database, Redis and storage."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("config", nargs="?", help="config.yaml to check (default: QUAY_CONFIG)")

    def handle(self, *args: object, **options: object) -> None:
        config = options.get("config")
        sys.exit(main([str(config)] if config else []))
