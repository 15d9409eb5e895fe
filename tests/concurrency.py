"""Running one piece of work on several threads at once, each on its own database connection,
as several workers or server processes would."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections


def workers_run(count: int, work: Callable[[], object], barrier: threading.Barrier) -> list[BaseException]:
    """Starts ``count`` threads named worker-0.. that wait at ``barrier`` and then run ``work``;
    returns what any of them raised. Each closes its connections when done."""
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            work()
        except BaseException as error:  # noqa: BLE001 - the test reports what went wrong
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, name=f"worker-{n}") for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return failures
