#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quaysite.settings")
    if sys.argv[1:2] == ["checkconfig"]:
        # Before Django loads the settings, which would stop at a broken configuration's first
        # problem instead of listing them all.
        from quaysite.config_check import main

        sys.exit(main(sys.argv[2:]))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
