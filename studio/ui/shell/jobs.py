"""The Qt side of the job runner: worker callbacks come back as queued signals.

`JobRunner` calls its callbacks on the worker thread. `QtJobs.start` wraps them so
that each is carried to the UI thread by a queued signal and run there; a widget is
never touched from a worker. `shutdown()` cancels everything and joins the workers,
so closing the window leaves no thread behind.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, Signal, Slot

from studio.errors import StudioError
from studio.jobs.runner import Job, JobRunner

log = logging.getLogger(__name__)


@dataclass
class Ticket:
    """What the UI knows about one job it started."""

    id: int
    key: str
    label: str
    fraction: float = 0.0
    message: str = ""


class QtJobs(QObject):
    """Starts jobs on a JobRunner; every callback runs on the UI thread."""

    started = Signal(str, str)  # key, label
    progress = Signal(str, float, str)  # key, fraction, message
    finished = Signal(str, object)  # key, result
    failed = Signal(str, object)  # key, exception
    cancelled = Signal(str)  # key
    busy_changed = Signal(bool)
    # A StudioError raised by a UI-side callback (e.g. the project could not record a take).
    problem = Signal(str)

    # Carries (job id, kind, payload) from a worker to the UI thread.
    _arrived = Signal(int, str, object)

    def __init__(self, runner: JobRunner | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._runner = runner or JobRunner()
        self._tickets: dict[int, Ticket] = {}
        self._callbacks: dict[int, dict[str, Callable | None]] = {}
        self._closed = False
        self._ids = itertools.count(1)
        self._arrived.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    # -- starting and stopping -------------------------------------------------
    def start(
        self,
        fn: Callable[[Any], Any],
        key: str,
        label: str,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
        *,
        lane: str = "model",
        on_progress: Callable[[float, str], None] | None = None,
    ) -> Job | None:
        """Run `fn(state)` off the UI thread; a job with the same key supersedes the older."""
        if self._closed:
            return None
        ticket = Ticket(next(self._ids), key, label)

        def carry(kind: str):
            # Runs on the worker: it only emits; the queued connection does the rest.
            def send(*args):
                self._arrived.emit(ticket.id, kind, args)

            return send

        was_busy = self.busy
        self._tickets[ticket.id] = ticket
        self._callbacks[ticket.id] = {
            "progress": on_progress,
            "done": on_done,
            "error": on_error,
            "cancelled": on_cancelled,
        }
        try:
            job = self._runner.submit(
                fn,
                key=key,
                lane=lane,
                label=label,
                on_progress=carry("progress"),
                on_done=carry("done"),
                on_error=carry("error"),
                on_cancelled=carry("cancelled"),
            )
        except BaseException:
            del self._tickets[ticket.id], self._callbacks[ticket.id]
            raise
        self.started.emit(key, label)
        if not was_busy:
            self.busy_changed.emit(True)
        return job

    def cancel(self, key: str) -> None:
        self._runner.cancel(key)

    def cancel_all(self) -> None:
        self._runner.cancel_all()

    def shutdown(self) -> None:
        """Cancel every job and wait for the workers to stop; later reports are dropped."""
        if self._closed:
            return
        self._closed = True
        self._runner.shutdown(wait=True)
        was_busy = self.busy
        self._tickets.clear()
        self._callbacks.clear()
        if was_busy:
            self.busy_changed.emit(False)

    # -- what is running -------------------------------------------------------
    @property
    def busy(self) -> bool:
        return bool(self._tickets)

    def tickets(self) -> list[Ticket]:
        return sorted(self._tickets.values(), key=lambda t: t.id)

    def running(self, key: str) -> bool:
        return any(t.key == key for t in self._tickets.values())

    def ticket(self, key: str) -> Ticket | None:
        """The newest job with this key, if any."""
        found = [t for t in self._tickets.values() if t.key == key]
        return max(found, key=lambda t: t.id) if found else None

    # -- the UI side of every callback ----------------------------------------
    @Slot(int, str, object)
    def _deliver(self, job_id: int, kind: str, args: tuple) -> None:
        ticket = self._tickets.get(job_id)
        if ticket is None or self._closed:
            return
        callbacks = self._callbacks[job_id]
        if kind == "progress":
            ticket.fraction, ticket.message = args
            self._call(callbacks["progress"], *args)
            self.progress.emit(ticket.key, ticket.fraction, ticket.message)
            return
        # The job ended: forget it before calling back, so callbacks see the new state.
        del self._tickets[job_id]
        del self._callbacks[job_id]
        if kind == "done":
            self._call(callbacks["done"], *args)
            self.finished.emit(ticket.key, args[0])
        elif kind == "error":
            if callbacks["error"] is None:
                log.error("job %r failed", ticket.label, exc_info=args[0])
            self._call(callbacks["error"], *args)
            self.failed.emit(ticket.key, args[0])
        else:
            self._call(callbacks["cancelled"])
            self.cancelled.emit(ticket.key)
        if not self._tickets:
            self.busy_changed.emit(False)

    def _call(self, callback: Callable | None, *args) -> None:
        if callback is None:
            return
        try:
            callback(*args)
        except StudioError as exc:
            self.problem.emit(exc.message)
