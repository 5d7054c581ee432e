"""The frame pump shared by the whole-video export and the scene-by-scene one: a producer thread
makes frames into reusable buffers while the caller writes them to ffmpeg, and progress of a step
maps into the whole export's."""

from __future__ import annotations

import queue
import threading

from studio.engines.base import TaskState, check_cancelled
from studio.render.frames import FrameMaker


def widen_pipe(pipe) -> None:
    """Linux: a 1 MiB pipe instead of 64 KiB, so a frame crosses in 3 writes rather than 48."""
    try:
        import fcntl

        fcntl.fcntl(pipe.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError):
        pass


def next_item(items: queue.Queue, stop: threading.Event, state: TaskState | None = None):
    """The next item, waiting in short steps so that a cancel (writer) or a stop (producer) is felt at once."""
    while True:
        if state is not None:
            check_cancelled(state)
        elif stop.is_set():
            return None
        try:
            item = items.get(timeout=0.1)
        except queue.Empty:
            continue
        if isinstance(item, BaseException):
            raise item
        return item


def produce(maker: FrameMaker, ready: queue.Queue, free: queue.Queue, stop: threading.Event,
             frames: range | None = None) -> None:
    """Producer thread: make every frame (or those of `frames`) in order; an error travels to the writer
    through `ready`."""
    try:
        for i in (range(maker.count) if frames is None else frames):
            buffer = next_item(free, stop)
            if buffer is None:
                return
            maker.make(i, buffer)
            ready.put(buffer)
    except BaseException as exc:  # raised again by the writer, on the caller's thread
        ready.put(exc)


class Scaled:
    """A state that maps a step's own 0..1 progress into [low, high] of the whole export."""

    def __init__(self, state: TaskState, low: float, high: float):
        self.state, self.low, self.high = state, low, high

    def set_progress(self, fraction: float, message: str = "") -> None:
        self.state.set_progress(self.low + (self.high - self.low) * fraction, message)

    def is_cancelled(self) -> bool:
        return self.state.is_cancelled()
