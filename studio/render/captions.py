"""Captions: word timings split into readable cues, written as SRT or WebVTT.

A cue holds at most `max_lines` lines of `max_chars_per_line` characters and lasts
between `min_duration` and `max_duration` seconds where the speech allows. Cues
break at pauses, prefer to end at a sentence end or a comma, and never overlap:
players show overlapping cues stacked, which reads as a glitch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from studio.errors import StudioError
from studio.project.karaoke import word_times
from studio.storage import atomic_write_text

_SENTENCE_END = tuple(".!?…。！？")
_CLAUSE_END = tuple(",;:—–、，；：")
_OPENERS = tuple("([{\"“‘'«¿¡")
# A lone word joins a neighbouring cue across a pause shorter than this; after a longer
# silence it stands alone (stretched to the minimum duration).
_MERGE_PAUSE = 1.5


@dataclass
class Cue:
    start: float  # seconds
    end: float
    lines: list[str] = field(default_factory=list)
    words: list[tuple[float, float]] = field(default_factory=list)  # (start, end) of each word of the lines
    spoken: int | None = None  # in a karaoke cue: the word being spoken (see `karaoke_cues`)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class _Word:
    text: str
    start: float
    end: float


def cues_from_words(
    words,
    max_chars_per_line: int = 42,
    max_lines: int = 2,
    min_duration: float = 0.8,
    max_duration: float = 6.0,
    gap_split: float = 0.6,
) -> list[Cue]:
    """Cues from timed words (anything with `.text`, `.start`, `.end`, in spoken order)."""
    width = max(1, int(max_chars_per_line))
    max_lines = max(1, int(max_lines))
    tidy = _tidy(words, width)
    groups: list[list[_Word]] = []
    current: list[_Word] = []
    for word in tidy:
        reason = _new_cue_reason(current, word, width, max_lines, max_duration, gap_split) if current else ""
        if reason == "pause":
            groups.append(current)
            current = []
        elif reason:  # full or long: end it where it reads best
            kept, carried = _best_break(current, word, width, max_lines, max_duration)
            groups.append(kept)
            current = carried
        current.append(word)
        if _ends_sentence(word) and _chars(current) >= width / 2:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    groups = _merge_lone_words(groups, width, max_lines, max_duration, min_duration)
    cues = [Cue(g[0].start, max(w.end for w in g), _wrap(g, width, max_lines) or [w.text for w in g],
                [(w.start, w.end) for w in g]) for g in groups]
    return _fix_timing(cues, min_duration, max_duration)


def karaoke_cues(cues: list[Cue]) -> list[Cue]:
    """Each cue as one cue per word, the same lines with `spoken` naming the word heard then:
    from the word's start (the cue's for the first) to the next word's start (the cue's end
    for the last). A cue whose words and timings do not match is kept whole, unhighlighted."""
    out: list[Cue] = []
    for cue in cues:
        count = sum(len(line.split()) for line in cue.lines)
        if not cue.words or len(cue.words) != count:
            out.append(cue)
            continue
        starts, at = [], cue.start
        for word_start, _ in cue.words:
            at = min(max(word_start, at), cue.end)  # in spoken order, inside the cue
            starts.append(at)
        starts[0] = cue.start
        for n, (start, end) in enumerate(zip(starts, starts[1:] + [cue.end])):
            if end > start:  # a word with no time of its own is passed over
                out.append(Cue(start, end, cue.lines, [], n))
    return out


def _merge_lone_words(groups, width, max_lines, max_duration, min_duration) -> list[list[_Word]]:
    """A cue of one word, or one too short to read, joins its neighbour where the two fit
    in one cue (the one before first, as the word ends its thought)."""
    out: list[list[_Word]] = []
    for group in groups:
        short = len(group) == 1 or group[-1].end - group[0].start < min_duration
        if out and short and _fits(out[-1], group, width, max_lines, max_duration):
            out[-1] = out[-1] + group
        elif out and len(group) == 1 and len(out[-1]) > 3 and _fits(out[-1][-1:], group, width, max_lines, max_duration):
            # The cue before is full: its last word comes along ("the quay."), so none stands alone.
            out[-1], group = out[-1][:-1], out[-1][-1:] + group
            out.append(group)
        else:
            out.append(group)
    i = 0
    while i < len(out) - 1:
        group = out[i]
        short = len(group) == 1 or group[-1].end - group[0].start < min_duration
        if short and _fits(group, out[i + 1], width, max_lines, max_duration):
            out[i : i + 2] = [group + out[i + 1]]
        else:
            i += 1
    return out


def _fits(first, second, width, max_lines, max_duration) -> bool:
    words = first + second
    return (
        second[0].start - first[-1].end < _MERGE_PAUSE
        and _wrap(words, width, max_lines) is not None
        and words[-1].end - words[0].start <= max_duration
    )


def _tidy(words, width: int) -> list[_Word]:
    """Clean text, monotonic times, punctuation joined to its word, over-long words cut."""
    return [piece for word in _joined(words) for piece in _cut(word, width)]


def _joined(words) -> list[_Word]:
    out: list[_Word] = []
    pending_opener = ""
    last_start = 0.0
    for w in words:
        text = " ".join(str(w.text).split())
        if not text:
            continue
        start = _finite(w.start, last_start)
        end = _finite(w.end, start)
        # Words are kept in spoken order: a start earlier than the previous one is
        # a timing glitch, clamped rather than reordered.
        start = max(start, last_start)
        end = max(end, start)
        last_start = start
        if not any(c.isalnum() for c in text):
            # Punctuation alone ("—", "...", a lone quote) rides with a neighbour.
            if out and not text.startswith(_OPENERS):
                out[-1].text += text
                out[-1].end = max(out[-1].end, end)
            else:
                pending_opener += text
            continue
        out.append(_Word(pending_opener + text, start, end))
        pending_opener = ""
    if pending_opener and out:
        out[-1].text += pending_opener
    return out


def _cut(word: _Word, width: int) -> list[_Word]:
    """A word longer than a line is hard-wrapped, its time shared out by length."""
    if len(word.text) <= width:
        return [word]
    pieces = [word.text[i : i + width] for i in range(0, len(word.text), width)]
    span = word.end - word.start
    out, done = [], 0
    for piece in pieces:
        start = word.start + span * done / len(word.text)
        done += len(piece)
        out.append(_Word(piece, start, word.start + span * done / len(word.text)))
    return out


def _new_cue_reason(current, word, width, max_lines, max_duration, gap_split) -> str:
    if word.start - current[-1].end >= gap_split:
        return "pause"
    if word.end - current[0].start > max_duration:
        return "long"
    if _wrap(current + [word], width, max_lines) is None:
        return "full"
    return ""


def _best_break(current, word, width, max_lines, max_duration) -> tuple[list[_Word], list[_Word]]:
    """Where a full cue ends: the latest sentence end, else comma, if the cue stays full enough."""
    # A sentence end is worth a half-empty cue; a comma only if the cue stays half full.
    for ends, floor in ((_SENTENCE_END, width / 2), (_CLAUSE_END, _chars(current) / 2)):
        for i in range(len(current) - 1, 0, -1):
            if current[i - 1].text.endswith(ends) and _chars(current[:i]) >= floor:
                carried = current[i:]
                if (
                    _wrap(carried + [word], width, max_lines) is not None
                    and word.end - carried[0].start <= max_duration
                ):
                    return current[:i], carried
                break
    return current, []


def _wrap(words: list[_Word], width: int, max_lines: int) -> list[str] | None:
    """Lines for one cue, or None if the words do not fit; two lines are balanced."""
    texts = [w.text for w in words]
    lines: list[list[str]] = [[]]
    for text in texts:
        if lines[-1] and len(" ".join(lines[-1] + [text])) > width:
            lines.append([])
        lines[-1].append(text)
    if len(lines) > max_lines:
        return None
    if len(lines) == 2:
        lines = _balance(texts, width) or lines
    return [" ".join(line) for line in lines]


def _balance(texts: list[str], width: int) -> list[list[str]] | None:
    # Two lines of similar length read faster than one full line and a stub; a
    # break after a comma is worth a few characters of imbalance.
    best, best_score = None, math.inf
    for i in range(1, len(texts)):
        top, bottom = " ".join(texts[:i]), " ".join(texts[i:])
        if len(top) > width or len(bottom) > width:
            continue
        score = abs(len(top) - len(bottom)) - (8 if texts[i - 1].endswith(_SENTENCE_END + _CLAUSE_END) else 0)
        if score < best_score:
            best, best_score = [texts[:i], texts[i:]], score
    return best


def _fix_timing(cues: list[Cue], min_duration: float, max_duration: float) -> list[Cue]:
    """Ordered, non-overlapping, each cue long enough to read and not absurdly long."""
    previous_end = 0.0
    for i, cue in enumerate(cues):
        cue.start = max(cue.start, previous_end)
        cue.end = max(cue.end, cue.start)
        if cue.end - cue.start < min_duration:
            next_start = cues[i + 1].start if i + 1 < len(cues) else math.inf
            cue.end = max(cue.end, min(cue.start + min_duration, next_start))
        if cue.end <= cue.start:  # no room at all: take it, later cues move along
            cue.end = cue.start + max(min_duration, 0.001)
        cue.end = min(cue.end, cue.start + max(max_duration, min_duration))
        previous_end = cue.end
    return cues


def _chars(words: list[_Word]) -> int:
    return sum(len(w.text) for w in words) + max(0, len(words) - 1)


def _ends_sentence(word: _Word) -> bool:
    return word.text.rstrip("\"'”’»)]").endswith(_SENTENCE_END)


def _finite(value, fallback: float) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return fallback
    return max(0.0, value) if math.isfinite(value) else fallback


# -- writing ----------------------------------------------------------------------------


def to_srt(cues: list[Cue]) -> str:
    blocks = [
        f"{n}\n{_stamp(c.start, ',')} --> {_stamp(c.end, ',')}\n{_srt_text(c)}\n"
        for n, c in enumerate(cues, start=1)
    ]
    return "\n".join(blocks)


def to_vtt(cues: list[Cue]) -> str:
    blocks = [f"{_stamp(c.start, '.')} --> {_stamp(c.end, '.')}\n{_vtt_text(c)}\n" for c in cues]
    return "\n".join(["WEBVTT\n", *blocks])


def write_captions(path, cues: list[Cue], fmt: str | None = None) -> None:
    """Write cues atomically as "srt" or "vtt" (by default, what the file name says)."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in ("srt", "vtt"):
        raise StudioError(f"Captions cannot be saved as {path.name}: choose a name ending in .srt or .vtt.")
    atomic_write_text(path, to_srt(cues) if fmt == "srt" else to_vtt(cues))


def _stamp(seconds: float, decimal: str) -> str:
    ms = max(0, round(seconds * 1000))
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{decimal}{ms:03d}"


def _lines(cue: Cue) -> list[str]:
    # A blank line ends a cue in both formats, and "-->" starts a timing line.
    return [line.replace("-->", "->") for line in (" ".join(l.split()) for l in cue.lines) if line] or ["…"]


def _srt_text(cue: Cue) -> str:
    return "\n".join(_lines(cue))


def _vtt_text(cue: Cue) -> str:
    escaped = (l.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") for l in _lines(cue))
    return "\n".join(escaped)


# -- captions for a project ---------------------------------------------------------------


def line_words(project, line_id: str, at: float = 0.0) -> list[_Word]:
    """The script's words of a line's chosen take, timed from `at`: when the self-check heard
    them (a misheard word keeps the script's spelling), or, before it has listened, spread
    evenly over the take."""
    take = project.chosen_take(line_id)
    if take is None:
        return []
    check = project.take_check(take.id)
    if check is not None and check.words():
        text = take.text or project.spoken(line_id)
        return [_Word(text[w.char_start:w.char_end], at + w.start, at + w.end)
                for w in word_times(text, take.duration, check.words())]
    words = project.spoken(line_id).split()
    step = take.duration / max(1, len(words))
    return [_Word(w, at + i * step, at + (i + 1) * step) for i, w in enumerate(words)]


def line_cues(project, **options) -> dict[str, list[Cue]]:
    """Each line's own captions, timed from the start of its take (`studio captions --per-line`).
    The whole script's are timed on its timeline: `render.from_project.timeline_cues`."""
    return {line.id: cues_from_words(line_words(project, line.id), **options)
            for line in project.lines if project.chosen_take(line.id) is not None}
