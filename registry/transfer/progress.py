"""A progress bar over bytes on stderr (rich), quiet when stderr is no terminal unless asked."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)


@contextmanager
def byte_progress(description: str, total: int, *, force: bool = False) -> Iterator[Callable[[int], None]]:
    console = Console(stderr=True, force_terminal=force or None)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, disable=not (force or console.is_terminal)) as progress:
        task = progress.add_task(description, total=total)
        yield lambda advance: progress.advance(task, advance)
