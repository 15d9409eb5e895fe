"""Optional sampling profile of our server during a row: py-spy record on the server's process
tree (workers included), raw collapsed stacks written under bench/results/, and a summary of the
functions that dominate (self samples and inclusive samples).

py-spy is not a project dependency: `.venv/bin/pip install py-spy`. It runs with --nonblocking,
so it does not pause the workers, but its sampling still costs CPU on a 2-core machine: the
numbers of a profiled row are lower than those of an unprofiled run.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

_LINE_SUFFIX = re.compile(r":\d+\)$")


def py_spy_path() -> str | None:
    local = Path(sys.executable).with_name("py-spy")
    return str(local) if local.exists() else shutil.which("py-spy")


class Recorder:
    def __init__(self, pid: int, output: Path, rate: int = 250) -> None:
        binary = py_spy_path()
        if binary is None:
            raise RuntimeError("py-spy not found: .venv/bin/pip install py-spy")
        self.output = output
        self.proc = subprocess.Popen(
            [
                binary,
                "record",
                "--pid",
                str(pid),
                "--subprocesses",
                "--nonblocking",
                "--rate",
                str(rate),
                "--format",
                "raw",
                "--output",
                str(output),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def stop(self) -> str:
        self.proc.send_signal(signal.SIGINT)
        try:
            _, err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        return err.decode(errors="replace")


def _frame_name(frame: str) -> str:
    """'handle (django/core/handlers/base.py:181)' -> 'handle (django/core/handlers/base.py)'."""
    frame = _LINE_SUFFIX.sub(")", frame.strip())
    frame = re.sub(r"\(/[^)]*?/site-packages/", "(", frame)
    frame = re.sub(r"\(/work/main/", "(", frame)
    frame = re.sub(r"\(/usr/lib/python3[.\d]*/", "(stdlib/", frame)
    return frame


def summarize(path: Path, top: int = 25) -> str:
    self_counts: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame_name(f) for f in stack.split(";") if f and not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        total += count
        self_counts[frames[-1]] += count
        for name in set(frames):
            inclusive[name] += count
    if not total:
        return "no samples (is py-spy allowed to ptrace the server?)"
    lines = [f"{total} samples (busy threads only)", "", "self %   function"]
    for name, count in self_counts.most_common(top):
        lines.append(f"{100 * count / total:6.1f}  {name}")
    lines += ["", "inclusive %   function"]
    for name, count in inclusive.most_common(top * 2):
        lines.append(f"{100 * count / total:6.1f}  {name}")
    return "\n".join(lines)
