"""Speech to text: what a transcript holds and what a transcription engine must do.

A `Transcript` is stored with a take (word timings for karaoke highlight and
captions, the text for the self-check), so it is plain data with `to_dict` /
`from_dict` and no reference to the engine that made it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, Union, runtime_checkable

from studio.engines.base import Cost, ModelRef, TaskState

if TYPE_CHECKING:
    import numpy as np

# Whisper hears 16 kHz mono; arrays handed to `transcribe` must already be at this rate.
SAMPLE_RATE = 16000

# A file path (any format ffmpeg reads) or float32 samples at SAMPLE_RATE.
AudioInput = Union[str, os.PathLike, "np.ndarray"]


@dataclass
class Word:
    text: str
    start: float  # seconds from the start of the audio
    end: float
    probability: float = 1.0

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "probability": round(self.probability, 4),
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Word":
        return cls(
            text=str(d["text"]),
            start=float(d["start"]),
            end=float(d["end"]),
            probability=float(d.get("probability", 1.0)),
        )


@dataclass
class Segment:
    """About one phrase or sentence, as the engine split the audio."""

    text: str
    start: float
    end: float
    words: list[Word] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "words": [w.to_dict() for w in self.words],
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Segment":
        return cls(
            text=str(d["text"]),
            start=float(d["start"]),
            end=float(d["end"]),
            words=[Word.from_dict(w) for w in d.get("words", ())],
        )


@dataclass
class Transcript:
    text: str
    language: str
    duration: float  # seconds of audio heard
    segments: list[Segment] = field(default_factory=list)

    @property
    def words(self) -> list[Word]:
        return [w for s in self.segments for w in s.words]

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "language": self.language,
            "duration": round(self.duration, 3),
            "segments": [s.to_dict() for s in self.segments],
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Transcript":
        return cls(
            text=str(d.get("text", "")),
            language=str(d.get("language", "")),
            duration=float(d.get("duration", 0.0)),
            segments=[Segment.from_dict(s) for s in d.get("segments", ())],
        )


@runtime_checkable
class TranscriptionEngine(Protocol):
    """Speech to text. Implementations import their heavy libraries lazily."""

    id: str
    task: str  # "stt"
    local: bool
    label: str

    def model(self) -> ModelRef:
        """The weights this engine will use; raises MissingWeights if absent."""

    def estimate(self, seconds_of_audio: float) -> Cost: ...

    def transcribe(
        self,
        audio: AudioInput,
        state: TaskState,
        *,
        language: str | None = None,
        word_timestamps: bool = True,
    ) -> Transcript:
        """Transcribe; report progress; raise Cancelled between pieces when asked."""

    def unload(self) -> None: ...
