"""Streaming preview: the audio of a line's finished sentences, while the rest renders.

`StreamingState` wraps a job's state and gives the engine the optional
`partial(samples, sample_rate)` hook (see `studio.engines.base.TaskState`). Each time a
piece arrives, the audio so far is written to a temporary WAV in `.stitch/preview/`
and `on_audio(path, seconds)` is called (on the worker thread). The take itself is
still written by the pipeline when the render ends; preview files are throwaway.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from studio.engines.base import Audio, TaskState
from studio.project.leftovers import PREVIEW_DIR
from studio.storage import atomic_write_bytes

PREVIEW = PREVIEW_DIR.as_posix()


def preview_folder(folder: Path) -> Path:
    return Path(folder) / PREVIEW


def clear_previews(folder: Path, line_id: str | None = None) -> None:
    """Delete the preview files of one line (every line when None); missing ones are fine."""
    where = preview_folder(folder)
    if not where.is_dir():
        return
    for path in where.glob(f"{line_id}-*.wav" if line_id else "*.wav"):
        try:
            path.unlink()
        except OSError:
            pass  # still open in the player on some systems: the next clear takes it


class StreamingState:
    """A job state that also collects the pieces an engine hands over."""

    def __init__(self, state: TaskState, folder: Path, line_id: str, on_audio: Callable[[Path, float], None]):
        self._state = state
        self.folder = Path(folder)
        self.line_id = line_id
        self.on_audio = on_audio
        self.pieces: list[np.ndarray] = []
        self.sample_rate = 0
        self.count = 0

    def set_progress(self, fraction: float, message: str = "") -> None:
        self._state.set_progress(fraction, message)

    def is_cancelled(self) -> bool:
        return self._state.is_cancelled()

    def cancel(self) -> None:
        cancel = getattr(self._state, "cancel", None)
        if cancel is not None:
            cancel()

    @property
    def seconds(self) -> float:
        return sum(p.size for p in self.pieces) / self.sample_rate if self.sample_rate else 0.0

    def partial(self, samples, sample_rate: int) -> None:
        """One more finished piece: write the audio so far and say where it is."""
        from studio.jobs.pipeline import encode_wav

        if self.is_cancelled():
            return
        samples = np.asarray(samples, dtype=np.float32).reshape(-1)
        if samples.size == 0:
            return
        if self.sample_rate and sample_rate != self.sample_rate:
            return  # a change of rate mid-line: leave it to the finished take
        self.sample_rate = int(sample_rate)
        self.pieces.append(samples)
        self.count += 1
        path = preview_folder(self.folder) / f"{self.line_id}-{self.count}.wav"
        audio = Audio(np.concatenate(self.pieces), self.sample_rate, {})
        atomic_write_bytes(path, encode_wav(audio))
        self.on_audio(path, self.seconds)
