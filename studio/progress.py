"""Progress out, cancellation in: what every long-running function is handed.

`TaskState` is the protocol (the job runner's `JobState` is one, `NullState` is the one
nobody watches), `check_cancelled` raises `Cancelled` between pieces of work. It lives in
the base so that engines, model downloads and jobs share it without importing each other;
`studio.engines.base` re-exports it for engine packages.
"""

from __future__ import annotations

from typing import Protocol

from studio.errors import Cancelled


class TaskState(Protocol):
    """The handle a long-running function gets: progress out, cancellation in.

    A state may also have `partial(samples, sample_rate)`: a speech engine that renders
    piece by piece then hands over each finished piece (streaming preview). It is
    optional; engines look for it with getattr and go on without it.
    """

    def set_progress(self, fraction: float, message: str = "") -> None: ...

    def is_cancelled(self) -> bool: ...


class NullState:
    """A state for calls nobody watches and nobody cancels (tests, scripts)."""

    def set_progress(self, fraction: float, message: str = "") -> None:
        pass

    def is_cancelled(self) -> bool:
        return False


def check_cancelled(state: TaskState) -> None:
    if state.is_cancelled():
        raise Cancelled()
