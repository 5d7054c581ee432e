"""A transcription engine for the Qt tests: it "hears" whatever the test scripts.

It implements the `TranscriptionEngine` protocol (studio/engines/stt.py), so the real
`check_take_job`, the real comparison and the real check storage run behind it.
"""

from __future__ import annotations

import threading

from studio.engines.base import Cost, ModelRef, check_cancelled
from studio.engines.stt import Segment, Transcript, Word


class ScriptedListener:
    id = "whisper"
    task = "stt"
    local = True
    label = "Scripted listener"

    def __init__(self):
        self.hears: str | None = None  # what the next takes sound like; None: the file's own words
        self.words_of: dict[str, str] = {}  # file name → what it says (for recordings)
        self.fail_with: Exception | None = None
        self.calls: list[str] = []
        self.threads: list[threading.Thread] = []

    def model(self) -> ModelRef:
        if self.fail_with is not None:
            raise self.fail_with
        return ModelRef("scripted", "1")

    def estimate(self, seconds_of_audio: float) -> Cost:
        return Cost(0.0, 0.01)

    def transcribe(self, audio, state, *, language=None, word_timestamps=True) -> Transcript:
        self.threads.append(threading.current_thread())
        self.calls.append(str(audio))
        self.model()
        check_cancelled(state)
        text = self.words_of.get(getattr(audio, "name", ""), self.hears or "")
        segments, at = [], 0.0
        for sentence in [s.strip() for s in text.split(".") if s.strip()]:
            words = []
            for word in (sentence + ".").split():
                words.append(Word(word, at, at + 0.3))
                at += 0.35
            segments.append(Segment(sentence + ".", words[0].start, words[-1].end, words))
            at += 0.5
        return Transcript(text=text, language="en", duration=at, segments=segments)

    def unload(self) -> None:
        pass
