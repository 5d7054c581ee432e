"""Runs jobs on worker threads, with progress, cancellation and supersession.

A job is a plain function `fn(state) -> result` (see STYLE.md: Orange3's pattern).
Model inference goes to the "model" lane, a single worker, so two models never
fight over the cores; file work goes to the "io" lane. Submitting a job with the
key of one that is queued or running cancels the older one: a newer preview of a
line supersedes the older preview.

Callbacks run on the worker thread. The Qt adapter (studio/ui/shell/jobs.py) turns them
into queued signals; headless callers may use them directly.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

from studio.errors import Cancelled
from studio.jobs.task import JobState

log = logging.getLogger(__name__)

# "servers": requests to a pool of servers (`[engines.<id>] base_urls`), as many at once as the pool takes.
LANES = {"model": 1, "io": 2, "servers": 16}


@dataclass(eq=False)
class Job:
    """One submitted job; `state` carries its progress and cancel flag."""

    id: int
    key: str | None
    label: str
    lane: str
    state: JobState
    future: Future = field(repr=False)
    submitted: float = field(default_factory=time.monotonic)

    def cancel(self) -> None:
        # Only the flag: a queued job still starts, sees it, and reports itself
        # cancelled, so every job ends with exactly one callback.
        self.state.cancel()

    @property
    def cancelled(self) -> bool:
        return self.state.is_cancelled()

    def done(self) -> bool:
        return self.future.done()

    def result(self, timeout: float | None = None) -> Any:
        return self.future.result(timeout)


class JobRunner:
    def __init__(self, lanes: dict[str, int] | None = None):
        lanes = lanes or LANES
        self._pools = {
            name: ThreadPoolExecutor(max_workers=n, thread_name_prefix=f"stitch-{name}")
            for name, n in lanes.items()
        }
        self._lock = threading.Lock()
        self._by_key: dict[str, Job] = {}
        self._active: set[Job] = set()
        self._ids = itertools.count(1)
        self._closed = False

    def submit(
        self,
        fn: Callable[[JobState], Any],
        *,
        key: str | None = None,
        lane: str = "model",
        label: str = "",
        on_progress: Callable[[float, str], None] | None = None,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
    ) -> Job:
        if self._closed:
            raise RuntimeError("the job runner has been shut down")
        state = JobState(on_progress)
        job_box: list[Job] = []

        def run():
            with self._lock:  # submit() holds the lock until the Job exists
                job = job_box[0]
            try:
                if state.is_cancelled():
                    raise Cancelled()
                result = fn(state)
                if state.is_cancelled():
                    raise Cancelled()
            except Cancelled:
                self._finish(job)
                _call(on_cancelled)
                return None
            except BaseException as exc:  # reported to the caller, never swallowed
                self._finish(job)
                if on_error is None:
                    log.exception("job %r failed", label)
                _call(on_error, exc)
                return None
            self._finish(job)
            _call(on_done, result)
            return result

        with self._lock:
            future = self._pools[lane].submit(run)
            job = Job(next(self._ids), key, label, lane, state, future)
            job_box.append(job)
            if key is not None:
                older = self._by_key.get(key)
                if older is not None and not older.done():
                    older.cancel()
                self._by_key[key] = job
            self._active.add(job)
        return job

    def _finish(self, job: Job) -> None:
        with self._lock:
            self._active.discard(job)
            if job.key is not None and self._by_key.get(job.key) is job:
                del self._by_key[job.key]

    def active(self) -> list[Job]:
        with self._lock:
            return sorted(self._active, key=lambda j: j.id)

    def busy(self) -> bool:
        return bool(self.active())

    def cancel(self, key: str) -> None:
        with self._lock:
            job = self._by_key.get(key)
        if job is not None:
            job.cancel()

    def cancel_all(self) -> None:
        for job in self.active():
            job.state.cancel()

    def shutdown(self, wait: bool = True) -> None:
        """Cancel everything and stop the workers (cooperative: waits for the current step)."""
        self._closed = True
        self.cancel_all()
        for pool in self._pools.values():
            pool.shutdown(wait=wait, cancel_futures=True)


def _call(callback, *args) -> None:
    if callback is None:
        return
    try:
        callback(*args)
    except Exception:
        log.exception("a job callback failed")
