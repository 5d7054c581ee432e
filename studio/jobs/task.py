"""The state handed to a running job: progress out, cancellation in."""

from __future__ import annotations

import threading
from typing import Callable

from studio.engines.base import check_cancelled  # noqa: F401  (re-exported for jobs)

ProgressCallback = Callable[[float, str], None]


class JobState:
    """Thread-safe progress/cancel handle for one job (Orange3's TaskState, in small)."""

    def __init__(self, on_progress: ProgressCallback | None = None):
        self._cancel = threading.Event()
        self._on_progress = on_progress
        self.fraction = 0.0
        self.message = ""

    def set_progress(self, fraction: float, message: str = "") -> None:
        self.fraction = max(0.0, min(1.0, float(fraction)))
        if message:
            self.message = message
        if self._on_progress is not None:
            self._on_progress(self.fraction, self.message)

    def cancel(self) -> None:
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()
