"""Each take's loudness, and the gain that brings it to the project's voice target.

A take's file is never rewritten: its integrated loudness (BS.1770, `loudness.py`) is
measured once (on the worker after a render, or on demand when the timeline is built)
and kept in `.stitch/loudness.json`, keyed by the take's file and stretch, with the
file's size and time so a changed file is measured again. The gain is applied as the
voice clip's `gain_db` when the timeline mixes (`from_project.build_timeline`).

The target is `[timeline] voice_loudness` in stitch.toml (LUFS), −16 by default.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

from studio.project.leftovers import LEVELS_FILE, read_levels
from studio.project.leftovers import levels_lock as _lock
from studio.project.lock import records_lock
from studio.project.paths import is_inside
from studio.storage import atomic_write_json

DEFAULT_TARGET = -16.0
MAX_GAIN = 20.0  # dB either way: a nearly silent take is not blown up into noise


def voice_target(folder: Path) -> float:
    """`[timeline] voice_loudness` from stitch.toml, or −16 LUFS."""
    try:
        data = tomllib.loads((Path(folder) / "stitch.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return DEFAULT_TARGET
    timeline = data.get("timeline")
    value = timeline.get("voice_loudness") if isinstance(timeline, dict) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and -40.0 <= value <= -5.0:
        return float(value)
    return DEFAULT_TARGET


def _key(take) -> str:
    offset = float(getattr(take, "offset", 0.0) or 0.0)
    return f"{take.path}@{offset:.3f}+{float(take.duration):.3f}" if offset else str(take.path)


def _stamp(path: Path) -> list | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def measure(path: Path, offset: float = 0.0, duration: float | None = None) -> float:
    """Integrated loudness (LUFS) of a sound file, or of a stretch of it; -inf for silence."""
    import numpy as np
    import soundfile

    from studio.render.loudness import integrated_loudness

    data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    a = max(0, round(offset * rate))
    b = len(data) if duration is None or not offset else a + round(duration * rate)
    samples = np.ascontiguousarray(data[a:b])
    return integrated_loudness(samples[:, 0] if samples.shape[1] == 1 else samples, rate)


def take_loudness(folder: Path, take) -> float | None:
    """The take's loudness in LUFS (measured now if not yet); None when it cannot be read."""
    folder = Path(folder)
    if not is_inside(folder, take.path):
        return None  # a record pointing outside the folder is never read
    path = folder / take.path
    stamp = _stamp(path)
    if stamp is None:
        return None
    key = _key(take)
    with _lock:
        levels = read_levels(folder)
        known = levels.get(key)
        if isinstance(known, dict) and known.get("stamp") == stamp:
            value = known.get("lufs")
            return float(value) if isinstance(value, (int, float)) else float("-inf")
    try:
        lufs = measure(path, float(getattr(take, "offset", 0.0) or 0.0), float(take.duration))
    except Exception:  # a file soundfile cannot read (mp3 recordings on old libsndfile): no gain
        return None
    with records_lock(folder), _lock:
        levels = read_levels(folder)
        levels[key] = {"stamp": stamp, "lufs": round(lufs, 2) if math.isfinite(lufs) else None}
        atomic_write_json(folder / LEVELS_FILE, levels)
    return lufs


def take_gain(folder: Path, take, target: float | None = None) -> float:
    """dB that bring the take to the voice target (0 for silence or an unreadable file)."""
    lufs = take_loudness(folder, take)
    if lufs is None or not math.isfinite(lufs):
        return 0.0
    target = voice_target(folder) if target is None else float(target)
    return round(max(-MAX_GAIN, min(MAX_GAIN, target - lufs)), 2)


def known_gain(folder: Path, path: str, target: float) -> float | None:
    """The gain already worked out for a take file, without measuring (None: not measured)."""
    known = read_levels(Path(folder)).get(str(path))
    if not isinstance(known, dict) or not isinstance(known.get("lufs"), (int, float)):
        return None
    return round(max(-MAX_GAIN, min(MAX_GAIN, target - float(known["lufs"]))), 2)
