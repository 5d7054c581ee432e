"""What a comparison measures in a take, from its samples alone.

Every figure here is computed from the audio the engine returned, never from what the
engine says about itself: duration and words per minute, integrated loudness (BS.1770,
`loudness.py`), true peak (4× oversampled, as BS.1770 asks), the silence before and
after the speech, and a naturalness score from DNSMOS.

DNSMOS (Microsoft's deep noise suppression MOS predictor, P.835: speech quality SIG,
background BAK, overall OVRL on a 1–5 scale) runs as ONNX on the CPU; during a
comparison it runs at idle priority beside the renders (`IdleScoring`). Its weights ship
inside the `speechmos` wheel; `speechmos`'s own Python wrapper needs librosa, which this
studio does not install, so the model file is loaded straight with onnxruntime (the
P.808 score, which needs librosa's mel spectrogram, is not given). When the model
cannot be had, `naturalness` says so in a sentence instead of a number.
"""

from __future__ import annotations

import importlib.util
import math
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.render.loudness import integrated_loudness

SILENCE_DB = -50.0  # a 10 ms frame quieter than this (RMS, dBFS) is silence
FRAME = 0.01
DNSMOS_RATE = 16000
DNSMOS_WINDOW = 9.01  # seconds the model reads at once
# The P.835 polynomials that map the model's raw outputs to MOS (speechmos/dnsmos.py, non-personalized).
_POLY = {
    "sig": (-0.08397278, 1.22083953, 0.0052439),
    "bak": (-0.13166888, 1.60915514, -0.39604546),
    "ovrl": (-0.06766283, 1.11546468, 0.04602535),
}


def words_in(text: str) -> int:
    """Spoken words of a script line (numbers as said: "1990" is two)."""
    from studio.jobs.check import normalize_words

    return len(normalize_words(text))


def silence_edges(samples: np.ndarray, rate: int, threshold_db: float = SILENCE_DB) -> tuple[float, float]:
    """Seconds of silence before the first and after the last sound; all silence: (duration, 0)."""
    x = np.asarray(samples, dtype=np.float32).reshape(-1)
    if x.size == 0 or rate <= 0:
        return 0.0, 0.0
    hop = max(1, round(FRAME * rate))
    frames = x[: x.size // hop * hop].reshape(-1, hop)
    rest = x[x.size // hop * hop:]
    rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1)) if len(frames) else np.zeros(0)
    if rest.size:
        rms = np.append(rms, np.sqrt(np.mean(rest.astype(np.float64) ** 2)))
    loud = np.flatnonzero(rms > 10 ** (threshold_db / 20))
    duration = x.size / rate
    if loud.size == 0:
        return round(duration, 3), 0.0
    lead = loud[0] * hop / rate
    trail = max(0.0, duration - min(x.size, (loud[-1] + 1) * hop) / rate)
    return round(float(lead), 3), round(float(trail), 3)


def _interpolation_filter(factor: int = 4, taps_per_phase: int = 12) -> np.ndarray:
    n = factor * taps_per_phase
    t = (np.arange(n) - (n - 1) / 2) / factor
    return (np.sinc(t) * np.kaiser(n, 8.0)).astype(np.float64)


_FILTER = _interpolation_filter()


def true_peak_db(samples: np.ndarray) -> float | None:
    """The highest inter-sample peak in dBTP (4× oversampled, BS.1770-4 annex 2); None for silence."""
    x = np.asarray(samples, dtype=np.float64).reshape(-1)
    if x.size == 0 or not np.any(x):
        return None
    up = np.zeros(x.size * 4)
    up[::4] = x
    peak = 0.0
    block = 1 << 18
    for i in range(0, up.size, block):  # in blocks: memory stays small for long takes
        piece = up[max(0, i - len(_FILTER)): i + block]
        peak = max(peak, float(np.max(np.abs(np.convolve(piece, _FILTER, mode="same")))))
    peak = max(peak, float(np.max(np.abs(x))))  # never below the sample peak
    return round(20 * math.log10(peak), 2)


def lufs(samples: np.ndarray, rate: int) -> float | None:
    """Integrated loudness in LUFS; None for silence or under 400 ms of sound (JSON has no -inf)."""
    value = integrated_loudness(np.asarray(samples, dtype=np.float32), rate)
    return round(value, 2) if math.isfinite(value) else None


@dataclass
class Sound:
    """The figures of one take."""

    duration: float
    speech: float  # duration without the silence before and after
    lead_silence: float
    trail_silence: float
    lufs: float | None
    true_peak: float | None
    words_per_minute: float

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def measure_sound(samples: np.ndarray, rate: int, text: str) -> Sound:
    x = np.asarray(samples, dtype=np.float32).reshape(-1)
    duration = x.size / rate if rate else 0.0
    lead, trail = silence_edges(x, rate)
    speech = max(0.0, duration - lead - trail)
    wpm = words_in(text) / speech * 60 if speech > 0.05 else 0.0
    return Sound(round(float(duration), 3), round(float(speech), 3), lead, trail, lufs(x, rate), true_peak_db(x),
                 round(float(wpm), 1))


def measure_file(path: Path) -> tuple[np.ndarray, int]:
    """A take's first channel as float32 samples, and its rate."""
    import soundfile

    samples, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    return samples[:, 0], int(rate)


# -- naturalness ------------------------------------------------------------------------


def dnsmos_windows(samples_16k: np.ndarray) -> np.ndarray | None:
    """The 9.01 s windows DNSMOS reads, one second apart, as one batch; a take shorter than a
    window is repeated to fill it (as DNSMOS itself does). None when there is no sound to score."""
    x = np.asarray(samples_16k, dtype=np.float32).reshape(-1)
    if x.size == 0 or not np.any(np.abs(x) > 10 ** (SILENCE_DB / 20)):
        return None
    x = np.clip(x, -1.0, 1.0)
    window = int(DNSMOS_WINDOW * DNSMOS_RATE)
    if x.size < window:
        x = np.tile(x, -(-window // x.size))
    starts = range(0, int(x.size / DNSMOS_RATE - DNSMOS_WINDOW) * DNSMOS_RATE + 1, DNSMOS_RATE)
    return np.stack([x[s: s + window] for s in starts])


def dnsmos_scores(raw: np.ndarray) -> dict:
    """The model's raw outputs (one row of sig, bak, ovrl per window) on the MOS scale, averaged."""
    raw = np.asarray(raw).reshape(-1, 3)
    mapped = {key: float(np.mean(np.polyval(_POLY[key], raw[:, column])))
              for column, key in enumerate(("sig", "bak", "ovrl"))}
    return {key: round(value, 3) for key, value in mapped.items()}


class Naturalness:
    """DNSMOS P.835 on the CPU, loaded once per process, on first use; `unavailable` says why when
    it cannot be. Two sessions of the one model: one on every core (`score`, and what is left when
    a comparison ends) and one on the calling thread alone (`IdleScoring`'s idle thread)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._sessions: dict[str, object] = {}
        self.unavailable = ""

    def model_path(self) -> Path | None:
        spec = importlib.util.find_spec("speechmos")
        if spec is None or not spec.submodule_search_locations:
            return None
        path = Path(list(spec.submodule_search_locations)[0]) / "dnsmos_models" / "sig_bak_ovr.onnx"
        return path if path.is_file() else None

    def session(self, kind: str = "all"):
        """The session on every core ("all") or on the caller's thread only ("one"); None when unavailable."""
        with self._lock:
            if kind in self._sessions or self.unavailable:
                return self._sessions.get(kind)
            path = self.model_path()
            if path is None:
                self.unavailable = ("No naturalness score: the DNSMOS model is missing (the speechmos package is "
                                    "not installed); every other figure is measured.")
                return None
            try:
                import onnxruntime as ort

                options = ort.SessionOptions()
                # One thread runs on the caller's own thread, at the caller's priority: no pool.
                options.intra_op_num_threads = 1 if kind == "one" else max(1, os.cpu_count() or 1)
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                self._sessions[kind] = ort.InferenceSession(str(path), sess_options=options,
                                                            providers=["CPUExecutionProvider"])
            except Exception as exc:  # onnxruntime missing or the file damaged
                self.unavailable = (f"No naturalness score: the DNSMOS model could not be loaded ({type(exc).__name__}); "
                                    "every other figure is measured.")
            return self._sessions.get(kind)

    def run(self, batch: np.ndarray, kind: str = "all") -> np.ndarray:
        session = self.session(kind)
        return session.run(None, {session.get_inputs()[0].name: batch})[0]

    def score(self, samples_16k: np.ndarray) -> dict | None:
        """{"ovrl", "sig", "bak"} on the MOS scale for 16 kHz mono samples; None when unavailable
        or when there is no sound to score."""
        if self.session() is None:
            return None
        batch = dnsmos_windows(samples_16k)
        return None if batch is None else dnsmos_scores(self.run(batch))


_DEFAULT = Naturalness()


def naturalness() -> Naturalness:
    """The process's one DNSMOS model."""
    return _DEFAULT


def lower_own_priority() -> bool:
    """Put the calling thread at idle priority (Linux, where priority is per thread): it then runs
    only on CPU time nothing else wants. False where that cannot be done."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        if hasattr(os, "SCHED_IDLE"):
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        else:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        return True
    except OSError:
        return False


class IdleScoring:
    """Naturalness scored while the comparison goes on, on CPU time nothing else wants.

    DNSMOS reads each take in 9-second windows, one second apart: a few seconds of audio
    cost it several passes of the model, as much as a third of what rendering and
    transcribing them cost. So each take's windows are queued as it is measured, and a
    thread at idle priority (`lower_own_priority`) runs them one by one on the one-thread
    session, in the gaps rendering and transcribing leave (sequential parts of the models,
    text to phonemes, writing files). A render's own seconds are not slowed by it: the
    scheduler gives an idle thread no time a normal one wants. `collect` then scores what is
    left on every core, at once, without waiting for the idle thread. The figures are the
    same however the windows were shared out. Where a thread's priority cannot be lowered,
    everything is scored in `collect`.
    """

    def __init__(self, scorer: Naturalness):
        self._scorer = scorer
        self._cond = threading.Condition()
        self._batches: dict[str, np.ndarray | None] = {}
        self._raw: dict[str, list] = {}
        self._queue: list[tuple[str, int]] = []
        self._closed = False
        self._thread: threading.Thread | None = None
        self.model_seconds = 0.0  # the model's own time, on either thread
        self.windows = 0  # windows queued
        self.beside = 0  # of them, scored by the idle thread
        self.waited_seconds = 0.0  # what `collect` made the comparison wait

    @property
    def unavailable(self) -> str:
        return self._scorer.unavailable

    def submit(self, key: str, samples_16k: np.ndarray) -> None:
        if self._scorer.session() is None:
            return
        batch = dnsmos_windows(samples_16k)
        with self._cond:
            self._batches[key] = batch
            if batch is None:
                return
            self._raw[key] = [None] * len(batch)
            self.windows += len(batch)
            self._queue.extend((key, i) for i in range(len(batch)))
            self._cond.notify()
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._work, name="naturalness (idle)", daemon=True)
                self._thread.start()

    def _work(self) -> None:
        # It holds the GIL only for the few microseconds between model calls (onnxruntime lets go
        # of it while it runs), so an idle thread waiting for a core never holds up the renders.
        if not lower_own_priority() or self._scorer.session("one") is None:
            return  # `collect` scores everything
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                key, index = self._queue.pop(0)
                window = self._batches[key][index: index + 1]
            started = time.perf_counter()
            out = self._scorer.run(window, "one")
            with self._cond:
                if not self._closed and self._raw[key][index] is None:
                    self._raw[key][index] = out[0]
                    self.model_seconds += time.perf_counter() - started
                    self.beside += 1

    def collect(self, keys) -> dict[str, dict | None]:
        """The scores of these takes (None: no sound, or no model): what the idle thread has not
        scored yet is scored now, on every core."""
        started = time.perf_counter()
        with self._cond:
            self._closed = True  # the idle thread stops; a window it is still running is scored again here
            self._cond.notify_all()
            keys = [k for k in keys if self._batches.get(k) is not None]
            left = [(k, i) for k in keys for i, row in enumerate(self._raw[k]) if row is None]
        if left:
            out = self._scorer.run(np.stack([self._batches[k][i] for k, i in left]))
            for (key, index), row in zip(left, out):
                self._raw[key][index] = row
        elapsed = time.perf_counter() - started
        self.waited_seconds += elapsed
        if left:
            self.model_seconds += elapsed
        scores = {key: dnsmos_scores(np.stack(self._raw[key])) for key in keys}
        return {key: scores.get(key) for key in self._batches} | scores

    def work(self) -> dict:
        """Where the scoring went, for the record: windows, how many ran beside the renders, seconds."""
        return {"windows": self.windows, "beside": self.beside, "model_seconds": round(self.model_seconds, 3),
                "waited_seconds": round(self.waited_seconds, 3)}

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


def to_16k(samples: np.ndarray, rate: int) -> np.ndarray:
    """Mono samples at 16 kHz (band-limited through the FFT), for DNSMOS and Whisper."""
    x = np.asarray(samples, dtype=np.float32).reshape(-1)
    if rate == DNSMOS_RATE or x.size == 0:
        return x
    n = max(1, round(x.size * DNSMOS_RATE / rate))
    spectrum = np.fft.rfft(x.astype(np.float64))
    keep = n // 2 + 1
    out = np.fft.irfft(spectrum[:keep] if keep <= spectrum.size else
                       np.concatenate([spectrum, np.zeros(keep - spectrum.size)]), n)
    return (out * (n / x.size)).astype(np.float32)
