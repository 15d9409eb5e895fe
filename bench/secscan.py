"""The scanning benchmark's entry point: runs bench/scan_throughput.py (see its docstring).

Only a launcher: this file shares the ``secscan`` app's module name, so importing anything from
here would find this file instead of the app (and mypy, which checks bench/, would see two
modules named ``secscan``; pyproject excludes this one file)."""

import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).with_name("scan_throughput.py")), run_name="__main__")
