"""What the two Kokoro engines share: voices, speed, the sentence loop, progress and cancel.

An engine subclass says where its weights are (`_stored`), how to load them
(`_load`), which voices they hold, and how to turn one phoneme chunk into samples
(`_infer`). Everything a creator can notice (sentences, pauses, progress, errors)
is decided here, once, so both engines behave alike.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from studio.engines.base import Audio, Cost, ModelRef, RenderRequest, TaskState, check_cancelled
from studio.engines.g2p import G2P, choose_g2p, chosen_name
from studio.engines.lexicon import lexicon_of, phonemize_with
from studio.models.store import ModelStore, StoredModel
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
    start, end = _loud_span(samples, threshold, pad)
    return samples[start:end]


def _loud_span(samples: np.ndarray, threshold: float = 0.01, pad: float = 0.04) -> tuple[int, int]:
    loud = np.flatnonzero(np.abs(samples) > threshold)
    if loud.size == 0:
        return 0, samples.size
    margin = int(pad * SAMPLE_RATE)
    return max(0, int(loud[0]) - margin), int(loud[-1]) + margin + 1


@dataclass
class Timed:
    """An inference that also says how long each phoneme lasts (Kokoro's predicted durations)."""

    samples: np.ndarray
    frames: np.ndarray  # one count per input id, <bos> and <eos> included
    kept: str  # the phoneme characters that became ids (those in the vocabulary), in order


# Phoneme characters that are not part of a word: what lies between words, or a pause.
_BETWEEN_WORDS = set(' ;:,.!?¡¿—…"«»“”()')


def phoneme_word_times(timed: Timed) -> list[tuple[float, float]]:
    """(start, end) seconds of each word of the phonemes, from the predicted durations."""
    frames = np.asarray(timed.frames, dtype=np.float64).reshape(-1)
    if frames.size != len(timed.kept) + 2 or frames.sum() <= 0:
        return []  # not the durations of these phonemes: no timings rather than wrong ones
    seconds_per_frame = timed.samples.size / frames.sum() / SAMPLE_RATE
    edges = np.concatenate([[0.0], np.cumsum(frames)]) * seconds_per_frame  # edges[k]: start of id k
    spans, start = [], None
    for k, char in enumerate(timed.kept, start=1):
        if char in _BETWEEN_WORDS:
            if start is not None:
                spans.append((start, edges[k]))
                start = None
        elif start is None:
            start = edges[k]
    if start is not None:
        spans.append((start, edges[len(timed.kept) + 1]))
    return [(float(a), float(b)) for a, b in spans]


def script_word_times(text: str, spans: list[tuple[float, float]]) -> list[dict]:
    """The words of `text` with the phoneme words' times: one to one when the counts agree
    (the usual case), shared out by position when G2P split or merged a word."""
    words = text.split()
    if not words or not spans:
        return []
    n, m = len(words), len(spans)
    out = []
    for i, word in enumerate(words):
        first = min(m - 1, (i * m) // n)
        last = max(first, min(m - 1, ((i + 1) * m) // n - 1))
        out.append({"text": word, "start": round(spans[first][0], 3), "end": round(spans[last][1], 3)})
    return out


def speak_line(
    text: str, g2p: G2P, infer: Infer, state: TaskState, speed: float = 1.0, lexicon: dict[str, str] | None = None,
    words: list[dict] | None = None,
) -> tuple[np.ndarray, str]:
    """Render `text` sentence by sentence; progress per piece, cancellable between pieces.

    `lexicon` (the project's pronunciation entries) is applied before G2P. When `infer`
    returns `Timed` pieces and `words` is a list, the script's words with their start
    and end in the line's audio are appended to it.
    """
    spoken: list[str] = []
    said: list[str] = []  # the text of each spoken sentence
    plan: list[tuple[int, str]] = []  # (sentence number, phoneme chunk)
    for sentence in split_sentences(text):
        check_cancelled(state)
        phonemes = phonemize_with(sentence, g2p.phonemize, lexicon or {})
        if phonemes:
            spoken.append(phonemes)
            said.append(sentence)
            plan.extend((len(spoken), chunk) for chunk in chunk_phonemes(phonemes, MAX_PHONEMES))
    if not plan:
        raise EngineError(NOTHING_TO_SPEAK)
    pieces: list[np.ndarray] = []
    previous = 0
    partial = getattr(state, "partial", None)  # optional: streaming preview, piece by piece
    reported = 0
    at = 0  # samples so far
    spans: dict[int, list[tuple[float, float]]] = {}  # sentence number -> its phoneme words' times
    timed_all = True
    for i, (sentence, chunk) in enumerate(plan):
        state.set_progress(i / len(plan), f"Rendering sentence {sentence} of {len(spoken)}")
        check_cancelled(state)
        out = infer(chunk)
        timed = out if isinstance(out, Timed) else None
        raw = np.asarray(timed.samples if timed else out, dtype=np.float32).reshape(-1)
        cut, end = _loud_span(raw)
        samples = raw[cut:end]
        if samples.size == 0:
            continue
        if pieces:
            pause = SENTENCE_PAUSE if sentence != previous else CHUNK_PAUSE
            pieces.append(np.zeros(int(pause / speed * SAMPLE_RATE), np.float32))
            at += pieces[-1].size
        if timed is None:
            timed_all = False
        else:
            # Times within the piece, moved to where it sits in the line and kept inside it.
            offset, length = (at - cut) / SAMPLE_RATE, samples.size / SAMPLE_RATE
            low, high = at / SAMPLE_RATE, at / SAMPLE_RATE + length
            spans.setdefault(sentence, []).extend(
                (min(max(a + offset, low), high), min(max(b + offset, low), high))
                for a, b in phoneme_word_times(Timed(raw, timed.frames, timed.kept))
            )
        pieces.append(samples)
        at += samples.size
        previous = sentence
        if callable(partial):
            partial(np.clip(np.concatenate(pieces[reported:]), -1.0, 1.0).astype(np.float32), SAMPLE_RATE)
            reported = len(pieces)
    if not pieces:
        raise EngineError(NOTHING_TO_SPEAK)
    if words is not None and timed_all and spans:
        for number, sentence_text in enumerate(said, start=1):
            words.extend(script_word_times(sentence_text, spans.get(number, [])))
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
        words: list[dict] = []
        samples, phonemes = speak_line(
            request.text, g2p, lambda chunk: self._infer(loaded, chunk, style, speed), state, speed,
            lexicon_of(request), words,
        )
        info = {
            "g2p": g2p.name,
            "phonemes": phonemes,
            "voice": voice_key(pairs),
            "model_revision": stored.revision,
            "seconds": round(time.perf_counter() - started, 3),
        }
        if words:  # the engine's own word timings: the self-check need not time the words
            info.update(words=words, timing=self.id)
        return Audio(samples, SAMPLE_RATE, info=info)

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
