"""What every engine shares: the render request, the result, progress and cancel.

A `RenderRequest` is a value holding everything that affects the output of a
render. Its `cache_key()` is the hash of that value: an unchanged request is never
rendered twice, and any change (text, voice, speed, model revision, G2P) is.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from studio.progress import NullState, TaskState, check_cancelled  # noqa: F401 (engines and plugins import them from here)

CACHE_KEY_VERSION = 1


def is_hosted(engine) -> bool:
    """Whether renders of `engine` go over the network (and may cost money)."""
    return not getattr(engine, "local", True) and hasattr(engine, "quote")


@dataclass(frozen=True)
class RenderRequest:
    """Everything that decides what a speech render sounds like."""

    engine: str
    model: str
    model_revision: str
    voice: str
    speed: float
    text: str
    g2p: str = ""
    task: str = "tts"
    extra: tuple[tuple[str, Any], ...] = ()

    def to_dict(self) -> dict:
        d = asdict(self)
        d["extra"] = [list(pair) for pair in self.extra]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "RenderRequest":
        d = dict(d)
        d["extra"] = tuple(tuple(pair) for pair in d.get("extra", ()))
        return cls(**d)

    def cache_key(self) -> str:
        payload = {"v": CACHE_KEY_VERSION, **self.to_dict(), "speed": round(float(self.speed), 4)}
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass
class Audio:
    """Mono float32 samples in [-1, 1] and what the engine wants recorded about them."""

    samples: np.ndarray
    sample_rate: int
    info: dict = field(default_factory=dict)  # e.g. {"g2p": "espeak-ng", "phonemes": "..."}

    @property
    def duration(self) -> float:
        return len(self.samples) / float(self.sample_rate) if self.sample_rate else 0.0


@dataclass(frozen=True)
class Cost:
    money: float = 0.0  # US dollars
    seconds: float = 0.0  # expected wall time


@dataclass(frozen=True)
class ModelRef:
    """Which weights an engine will use: the store's id and a revision fingerprint."""

    id: str
    revision: str
    path: str = ""


@runtime_checkable
class SpeechEngine(Protocol):
    """Text to speech. Implementations import their heavy libraries lazily."""

    id: str
    task: str  # "tts"
    local: bool
    label: str

    def model(self) -> ModelRef:
        """The weights this engine will use; raises MissingWeights if absent."""

    def voices(self) -> list[str]: ...

    def default_voice(self) -> str: ...

    def g2p_name(self) -> str:
        """Which grapheme-to-phoneme converter will be used (part of the request)."""

    def request(self, text: str, voice: str, speed: float) -> RenderRequest: ...

    def estimate(self, request: RenderRequest) -> Cost: ...

    def synthesize(self, request: RenderRequest, state: TaskState) -> Audio:
        """Render; report progress; raise Cancelled between pieces when asked."""

    def load(self, state: TaskState) -> None:
        """Load weights now (a warm-up), so the first render is only its own work."""

    def unload(self) -> None: ...
