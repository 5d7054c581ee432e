"""Which word of a line is being spoken at a moment of its take (the karaoke highlight).

From the take's stored word timings (the self-check's, `checks.py`) when there are any;
otherwise the take's duration shared out over the script's words by their length. The
heard words are mapped onto the script's words by position (same count: one to one;
otherwise proportionally), so a misheard word still moves the highlight along.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from studio.project.wording import align_times

_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class WordTime:
    start: float  # seconds into the take
    end: float
    char_start: int  # the word's span in the take's text
    char_end: int


def word_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _WORD.finditer(text)]


def word_times(text: str, duration: float, heard: list[dict] | None = None) -> list[WordTime]:
    """Each script word of `text` with the stretch of the take in which it is spoken."""
    spans = word_spans(text)
    if not spans:
        return []
    timed = [w for w in heard or () if _number(w.get("start")) is not None and _number(w.get("end")) is not None]
    if timed:
        return _from_heard(text, duration, timed)
    total = sum(end - start + 1 for start, end in spans)
    out, at = [], 0.0
    for start, end in spans:
        length = max(0.0, float(duration)) * (end - start + 1) / total
        out.append(WordTime(at, at + length, start, end))
        at += length
    return out


def _from_heard(text: str, duration: float, heard: list[dict]) -> list[WordTime]:
    # Matched through the normal forms (studio.project.wording): every script word, its time heard.
    pieces = [(str(w.get("text", "")), float(w["start"]), float(w["end"])) for w in heard]
    if not any(said.strip() for said, _, _ in pieces):
        return _by_position(word_spans(text), heard)  # timings without their words: by position
    return [WordTime(start, end, a, b) for a, b, start, end in align_times(text, pieces, duration)]


def _by_position(spans: list[tuple[int, int]], heard: list[dict]) -> list[WordTime]:
    n, m = len(spans), len(heard)
    out = []
    for i, (start, end) in enumerate(spans):
        first = min(m - 1, (i * m) // n)
        last = max(first, min(m - 1, ((i + 1) * m) // n - 1))
        out.append(WordTime(float(heard[first]["start"]), float(heard[last]["end"]), start, end))
    return out


def word_at(times: list[WordTime], seconds: float) -> WordTime | None:
    """The word spoken at `seconds`; between two words, the one just said; None outside."""
    if not times or seconds < times[0].start or seconds > times[-1].end:
        return None
    current = times[0]
    for word in times:
        if word.start > seconds:
            break
        current = word
    return current


def _number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
