"""Waveform peaks for drawing a clip: the loudest sample of each small slice of a sound file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

PEAKS_PER_SECOND = 100


def peaks(path: Path, per_second: int = PEAKS_PER_SECOND) -> np.ndarray:
    """Peak level (0..1, float32) of each 1/per_second slice of the whole file, channels folded together."""
    import soundfile

    path = Path(path)
    try:
        data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (OSError, RuntimeError, soundfile.LibsndfileError):
        from studio.render.probe import decode_audio

        rate = 8000  # plenty for a picture of the sound
        data = decode_audio(path, rate, 1)
    if not len(data):
        return np.zeros(0, np.float32)
    level = np.abs(data).max(axis=1)
    step = max(1, int(rate // per_second))
    n = len(level) // step
    out = level[: n * step].reshape(n, step).max(axis=1) if n else np.zeros(0, np.float32)
    if len(level) > n * step:
        out = np.append(out, level[n * step:].max())
    return np.minimum(out, 1.0).astype(np.float32)


__all__ = ["PEAKS_PER_SECOND", "peaks"]
