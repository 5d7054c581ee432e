"""What the two Kokoro engines share: voices, speed, the sentence loop, progress and cancel.

An engine subclass says where its weights are (`_stored`), how to load them
(`_load`), which voices they hold, and how to turn one phoneme chunk into samples
(`_infer`). Everything a creator can notice (sentences, pauses, progress, errors)
is decided here, once, so both engines behave alike.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

import numpy as np

from studio.engines.base import Audio, Cost, ModelRef, RenderRequest, TaskState, check_cancelled
from studio.engines.g2p import G2P, choose_g2p, chosen_name
from studio.engines.lexicon import lexicon_of, phonemize_with
from studio.engines.store import ModelStore, StoredModel
from studio.engines.text import chunk_phonemes, split_sentences
from studio.errors import EngineError

SAMPLE_RATE = 24000
MAX_PHONEMES = 500  # Kokoro reads 510 tokens; two are padding, the rest is margin
SENTENCE_PAUSE = 0.25  # seconds between sentences, at speed 1
CHUNK_PAUSE = 0.1  # between the pieces of one over-long sentence
MIN_SPEED, MAX_SPEED = 0.5, 2.0
NOTHING_TO_SPEAK = "This line has nothing to speak (only symbols or an unsupported script)."
CHARACTERS_PER_SECOND = 15.0  # of narrated English, for estimates

Infer = Callable[[str], np.ndarray]


def parse_voice(spec: str, available: list[str]) -> list[tuple[str, float]]:
    """'jf_alpha' or a blend 'jf_alpha:0.7,jm_kumo:0.3' as (voice, weight) pairs summing to 1."""
    parts = [p.strip() for p in (spec or "").split(",") if p.strip()]
    if not parts:
        raise EngineError(f"No voice was chosen: pick one of {', '.join(available)}.")
    pairs = []
    for part in parts:
        name, _, weight = part.partition(":")
        name = name.strip()
        if name not in available:
            raise EngineError(f"There is no voice called '{name}'; the voices are {', '.join(available)}.")
        try:
            value = float(weight) if weight.strip() else 1.0
        except ValueError:
            value = -1.0
        if not value > 0 or not np.isfinite(value):
            raise EngineError(f"The weight of '{name}' in the voice blend '{spec}' must be a positive number.")
        pairs.append((name, value))
    total = sum(w for _, w in pairs)
    return [(name, w / total) for name, w in pairs]


def voice_key(pairs: list[tuple[str, float]]) -> str:
    """The canonical spelling of a voice or blend, so equal blends share a cache key."""
    if len(pairs) == 1:
        return pairs[0][0]
    return ",".join(f"{name}:{round(w, 3):g}" for name, w in pairs)


def blend(packs: dict[str, Any], pairs: list[tuple[str, float]]):
    """The weighted sum of the voices' style packs (numpy arrays or torch tensors)."""
    out = None
    for name, weight in pairs:
        part = packs[name] * weight
        out = part if out is None else out + part
    return out


def check_speed(speed: float) -> float:
    speed = float(speed)
    if not (MIN_SPEED <= speed <= MAX_SPEED):
        raise EngineError(f"Speed must be between {MIN_SPEED:g} and {MAX_SPEED:g}; this line asks for {speed:g}.")
    return round(speed, 3)


def trim_silence(samples: np.ndarray, threshold: float = 0.01, pad: float = 0.04) -> np.ndarray:
    """Cut the near-silence before and after speech, keeping a short margin."""
    loud = np.flatnonzero(np.abs(samples) > threshold)
    if loud.size == 0:
        return samples
    margin = int(pad * SAMPLE_RATE)
    return samples[max(0, loud[0] - margin) : loud[-1] + margin + 1]


def speak_line(
    text: str, g2p: G2P, infer: Infer, state: TaskState, speed: float = 1.0, lexicon: dict[str, str] | None = None
) -> tuple[np.ndarray, str]:
    """Render `text` sentence by sentence; progress per piece, cancellable between pieces.

    `lexicon` (the project's pronunciation entries) is applied before G2P.
    """
    spoken: list[str] = []
    plan: list[tuple[int, str]] = []  # (sentence number, phoneme chunk)
    for sentence in split_sentences(text):
        check_cancelled(state)
        phonemes = phonemize_with(sentence, g2p.phonemize, lexicon or {})
        if phonemes:
            spoken.append(phonemes)
            plan.extend((len(spoken), chunk) for chunk in chunk_phonemes(phonemes, MAX_PHONEMES))
    if not plan:
        raise EngineError(NOTHING_TO_SPEAK)
    pieces: list[np.ndarray] = []
    previous = 0
    partial = getattr(state, "partial", None)  # optional: streaming preview, piece by piece
    reported = 0
    for i, (sentence, chunk) in enumerate(plan):
        state.set_progress(i / len(plan), f"Rendering sentence {sentence} of {len(spoken)}")
        check_cancelled(state)
        samples = trim_silence(np.asarray(infer(chunk), dtype=np.float32).reshape(-1))
        if samples.size == 0:
            continue
        if pieces:
            pause = SENTENCE_PAUSE if sentence != previous else CHUNK_PAUSE
            pieces.append(np.zeros(int(pause / speed * SAMPLE_RATE), np.float32))
        pieces.append(samples)
        previous = sentence
        if callable(partial):
            partial(np.clip(np.concatenate(pieces[reported:]), -1.0, 1.0).astype(np.float32), SAMPLE_RATE)
            reported = len(pieces)
    if not pieces:
        raise EngineError(NOTHING_TO_SPEAK)
    state.set_progress(1.0, "Rendered")
    audio = np.clip(np.concatenate(pieces), -1.0, 1.0).astype(np.float32, copy=False)
    return audio, " ".join(spoken)


class KokoroEngineBase:
    """The SpeechEngine protocol for Kokoro weights; subclasses load and run them."""

    id = ""
    task = "tts"
    local = True
    label = ""
    model_id = ""
    preferred_voices: tuple[str, ...] = ()  # the default voice: the first of these present
    realtime_factor = 1.0  # seconds of work per second of speech, roughly
    accepts_pronunciation = True  # applies a request's pronunciation entries before G2P
    load_seconds = 1.0

    def __init__(self, store: ModelStore | None = None):
        self.store = store if store is not None else ModelStore()
        self._lock = threading.Lock()
        self._loaded: Any = None  # what `_load` returned, for `_loaded_revision`
        self._loaded_revision = ""

    # -- subclasses ----------------------------------------------------------------------

    def _stored(self) -> StoredModel:
        """The registered weights, or MissingWeights with a sentence saying how to get them."""
        raise NotImplementedError

    def _load(self, stored: StoredModel) -> Any:
        raise NotImplementedError

    def _voice_names(self, stored: StoredModel) -> list[str]:
        raise NotImplementedError

    def _style(self, loaded: Any, pairs: list[tuple[str, float]]) -> Any:
        raise NotImplementedError

    def _infer(self, loaded: Any, phonemes: str, style: Any, speed: float) -> np.ndarray:
        raise NotImplementedError

    # -- the protocol --------------------------------------------------------------------

    def model(self) -> ModelRef:
        stored = self._stored()
        return ModelRef(stored.id, stored.revision, str(stored.path))

    def voices(self) -> list[str]:
        return self._voice_names(self._stored())

    def default_voice(self) -> str:
        names = self.voices()
        for name in self.preferred_voices:
            if name in names:
                return name
        return names[0]

    def g2p_name(self) -> str:
        return chosen_name()

    def request(self, text: str, voice: str, speed: float) -> RenderRequest:
        stored = self._stored()
        pairs = parse_voice(voice or self.default_voice(), self._voice_names(stored))
        return RenderRequest(
            engine=self.id,
            model=stored.id,
            model_revision=stored.revision,
            voice=voice_key(pairs),
            speed=check_speed(speed),
            text=text,
            g2p=self.g2p_name(),
        )

    def estimate(self, request: RenderRequest) -> Cost:
        speech = len(request.text) / CHARACTERS_PER_SECOND / max(request.speed, MIN_SPEED)
        loading = 0.0 if self._loaded is not None else self.load_seconds
        return Cost(0.0, round(loading + speech * self.realtime_factor, 2))

    def synthesize(self, request: RenderRequest, state: TaskState) -> Audio:
        if request.engine != self.id:
            raise EngineError(f"This take was asked of the {request.engine} engine, not {self.label}: render it again.")
        speed = check_speed(request.speed)
        stored = self._stored()
        pairs = parse_voice(request.voice, self._voice_names(stored))
        g2p = choose_g2p()
        check_cancelled(state)
        started = time.perf_counter()
        loaded = self._ensure_loaded(stored)
        style = self._style(loaded, pairs)
        samples, phonemes = speak_line(
            request.text, g2p, lambda chunk: self._infer(loaded, chunk, style, speed), state, speed,
            lexicon_of(request),
        )
        return Audio(samples, SAMPLE_RATE, info={
            "g2p": g2p.name,
            "phonemes": phonemes,
            "voice": voice_key(pairs),
            "model_revision": stored.revision,
            "seconds": round(time.perf_counter() - started, 3),
        })

    def load(self, state: TaskState) -> None:
        """Load the weights and the G2P now, so the first render costs only its own work."""
        state.set_progress(0.0, f"Loading {self.label}…")
        self._ensure_loaded(self._stored())
        check_cancelled(state)
        choose_g2p()
        state.set_progress(1.0, f"{self.label} is ready.")

    def unload(self) -> None:
        with self._lock:
            self._loaded = None
            self._loaded_revision = ""

    def _ensure_loaded(self, stored: StoredModel) -> Any:
        with self._lock:
            if self._loaded is None or self._loaded_revision != stored.revision:
                self._loaded = None  # let the old weights go before the new ones load
                self._loaded = self._load(stored)
                self._loaded_revision = stored.revision
            return self._loaded
