"""Undo and redo as a list of (before, after) snapshots.

Snapshots are opaque values the project hands in and gets back; the history never
looks inside them. Typing in one line arrives as many small pushes with the same
merge key, and those become one step, so one undo takes back the whole burst.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

LIMIT = 200
MERGE_SECONDS = 2.0


@dataclass
class Step:
    label: str
    before: Any
    after: Any
    merge_key: str | None
    at: float


class History:
    def __init__(
        self,
        limit: int = LIMIT,
        merge_seconds: float = MERGE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._limit = limit
        self._merge_seconds = merge_seconds
        self._clock = clock
        self._done: list[Step] = []
        self._undone: list[Step] = []
        # After an undo or an explicit seal, the next push starts a fresh step even
        # with the same merge key: the burst it would join has been closed.
        self._sealed = True

    def push(self, label: str, before: Any, after: Any, merge_key: str | None = None) -> None:
        now = self._clock()
        top = self._done[-1] if self._done else None
        if (
            merge_key is not None
            and not self._sealed
            and top is not None
            and top.merge_key == merge_key
            and now - top.at <= self._merge_seconds
        ):
            top.after = after
            top.at = now
        else:
            self._done.append(Step(label, before, after, merge_key, now))
            if len(self._done) > self._limit:
                del self._done[: len(self._done) - self._limit]
        self._undone.clear()
        self._sealed = False

    def rewrite(self, change: Callable[[Any], Any]) -> None:
        """Pass every snapshot through `change` (the project's own function: the history still
        never looks inside them), for something that was true all along, such as a picture
        that earlier snapshots never knew of and so must count as absent in them."""
        for step in self._done + self._undone:
            step.before, step.after = change(step.before), change(step.after)

    def seal(self) -> None:
        """End the current typing burst; the next push is its own step."""
        self._sealed = True

    def clear(self) -> None:
        self._done.clear()
        self._undone.clear()
        self._sealed = True

    def undo(self) -> Any | None:
        """The snapshot to go back to, or None when there is nothing to undo."""
        if not self._done:
            return None
        step = self._done.pop()
        self._undone.append(step)
        self._sealed = True
        return step.before

    def redo(self) -> Any | None:
        if not self._undone:
            return None
        step = self._undone.pop()
        self._done.append(step)
        self._sealed = True
        return step.after

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    @property
    def undo_label(self) -> str:
        return self._done[-1].label if self._done else ""

    @property
    def redo_label(self) -> str:
        return self._undone[-1].label if self._undone else ""
