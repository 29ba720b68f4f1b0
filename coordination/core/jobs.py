"""Work that outlives its request (screening an uploaded export), on a thread of this instance.

Each job runs in its own application context with its own database session, and keeps its
state in the database, so any instance can show its progress; a job whose instance stopped is
recognised by its stale heartbeat (see `coordination.screening.operations.run`). One worker per
instance: a job is CPU-bound and the engine is already vectorised across cores.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from typing import Any

from flask import Flask


class Jobs:
    def __init__(self, app: Flask, workers: int = 1) -> None:
        self.app = app
        self.executor = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="simpul-job")
        self.pending: set[concurrent.futures.Future] = set()

    def submit(self, fn: Callable[..., Any], *args: Any) -> concurrent.futures.Future:
        def run() -> Any:
            with self.app.app_context():  # its teardown closes the job's session
                return fn(*args)

        future = self.executor.submit(run)
        self.pending.add(future)
        future.add_done_callback(self.pending.discard)
        return future

    def wait(self, timeout: float | None = None) -> None:
        """Block until every submitted job has finished (the test suite and a graceful stop)."""
        concurrent.futures.wait(list(self.pending), timeout=timeout)


def init_jobs(app: Flask) -> None:
    app.extensions["simpul.jobs"] = Jobs(app)


def jobs() -> Jobs:
    from flask import current_app

    return current_app.extensions["simpul.jobs"]
