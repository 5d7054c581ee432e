"""Self-check: does a take say what its script line says?

The take is transcribed, both texts are normalized to plain spoken words (case,
punctuation, numbers, contractions), and the two word lists are aligned. The word
error rate decides pass or fail; each differing span is reported with where it is
in the script (to underline it) and when it was heard (to play it).
"""

from __future__ import annotations

import bisect
import difflib
from dataclasses import asdict, dataclass, field

from studio.engines.stt import Transcript
from studio.project.wording import _Token, _tokens, join_heard, normalize_words, same_words  # noqa: F401

__all__ = ["CheckResult", "WordDiff", "check_take", "normalize_words"]

# -- comparing ------------------------------------------------------------------------


@dataclass
class WordDiff:
    """One span where the take does not say what the script says."""

    kind: str  # "missing" (in the script, not heard) | "extra" (heard, not in the script) | "changed"
    script: str  # the script's words as written; "" when extra
    heard: str  # what was heard, as the transcript wrote it; "" when missing
    script_start: int  # character span in the script text (empty for "extra": where it was heard)
    script_end: int
    start: float | None = None  # seconds in the take; None without word timings
    end: float | None = None


@dataclass
class CheckResult:
    wer: float  # word error rate: differing words / words in the script
    passed: bool
    diffs: list[WordDiff] = field(default_factory=list)
    threshold: float = 0.25

    def summary(self) -> str:
        if not self.diffs:
            return "The take says the script word for word."
        shown = []
        for d in self.diffs[:3]:
            if d.kind == "missing":
                shown.append(f"“{d.script}” not heard")
            elif d.kind == "extra":
                shown.append(f"“{d.heard}” added")
            else:
                shown.append(f"“{d.script}” heard as “{d.heard}”")
        more = f" and {len(self.diffs) - 3} more" if len(self.diffs) > 3 else ""
        verdict = "Check passed" if self.passed else "Check failed"
        return f"{verdict} ({self.wer:.0%} of words differ): {'; '.join(shown)}{more}."

    def to_dict(self) -> dict:
        d = asdict(self)
        d["wer"] = round(self.wer, 4)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "CheckResult":
        return cls(
            wer=float(d["wer"]),
            passed=bool(d["passed"]),
            diffs=[WordDiff(**x) for x in d.get("diffs", ())],
            threshold=float(d.get("threshold", 0.25)),
        )


def check_take(script_text: str, transcript: Transcript | str, threshold: float = 0.25) -> CheckResult:
    """Compare what a take should say with what was heard; pass when few enough words differ."""
    heard_text, units = _heard(transcript)
    script = _tokens(script_text)
    heard = _tokens(heard_text)
    unit_of = [_unit_index(units, t.start) for t in heard]
    matcher = difflib.SequenceMatcher(None, [t.word for t in script], [t.word for t in heard], autojunk=False)
    diffs: list[WordDiff] = []
    errors = 0
    critical = False
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if op == "replace" and same_words([t.word for t in script[i1:i2]], [t.word for t in heard[j1:j2]]):
            continue  # "light house" for "lighthouse": the same words, written apart
        # A name or a number said wrong changes what the line means, however short it is.
        critical = critical or any(_is_name_or_number(script_text, t) for t in script[i1:i2])
        # Substituting, deleting and inserting each cost one word: a replaced span
        # of unequal lengths costs its longer side.
        errors += max(i2 - i1, j2 - j1)
        if i2 > i1:
            s_start, s_end = script[i1].start, script[i2 - 1].end
        else:
            s_start = s_end = script[i1].start if i1 < len(script) else (script[-1].end if script else 0)
        if j2 > j1:
            spans = [units[unit_of[j]] for j in range(j1, j2) if unit_of[j] is not None]
            start = min((u[2] for u in spans), default=None)
            end = max((u[3] for u in spans), default=None)
            said = heard_text[heard[j1].start : heard[j2 - 1].end]
        else:
            start, end = _gap(units, unit_of, j1, transcript)
            said = ""
        diffs.append(
            WordDiff(
                kind={"delete": "missing", "insert": "extra"}.get(op, "changed"),
                script=script_text[s_start:s_end],
                heard=said,
                script_start=s_start,
                script_end=s_end,
                start=start,
                end=end,
            )
        )
    if script:
        wer = errors / len(script)
    else:
        wer = 0.0 if not heard else 1.0
    return CheckResult(wer=wer, passed=wer <= threshold and not critical, diffs=diffs, threshold=threshold)


def _is_name_or_number(text: str, token: _Token) -> bool:
    """A word written with digits, or capitalised in mid-sentence ("Nyhavn", "Ida")."""
    written = text[token.start : token.end]
    if any(c.isdigit() for c in written):
        return True
    if not written[:1].isupper():
        return False
    before = text[: token.start].rstrip()
    if written.lower() in _COMMON_STARTS:
        return False
    # The first word of a sentence is capitalised anyway: a name there is told apart from
    # the common words sentences start with.
    return bool(before) and not before.endswith((".", "!", "?", "…", ":", "\"", "“", "—")) or written.lower() not in _COMMON_STARTS


# Words sentences often start with; a capitalised word at a sentence start that is not one
# of these is taken for a name ("Ida rowed out").
_COMMON_STARTS = set("""
a an the this that these those there here then now so and but or yet nor for if when while where why how what
which who whom whose as at by in on of to from with without after before since until because although though
i we you he she it they me us him her them my our your his its their mine ours yours theirs one some any many
much more most few all both each every no not never always often sometimes today tomorrow yesterday tonight
yes well oh just only even still also perhaps maybe once twice first second next last finally later soon
is are was were be been being do does did have has had can could will would shall should may might must
let let's it's that's there's here's what's i'm we're you're they're he's she's don't doesn't didn't can't won't
up down out over under again back away around through into onto about above below between among across along
""".split())


# A unit is one timed piece of the transcript: (char start, char end, start s, end s).
_Unit = tuple[int, int, float, float]


def _heard(transcript: Transcript | str) -> tuple[str, list[_Unit]]:
    """The transcript as one text, and which character range each timed word covers."""
    if isinstance(transcript, str):
        return transcript, []
    pieces = [(w.text, w.start, w.end) for w in transcript.words]
    if not pieces:  # transcribed without word timings: segments are the finest timing
        pieces = [(s.text, s.start, s.end) for s in transcript.segments]
    if not pieces:
        return transcript.text, []
    # A number the transcriber split ("1", ",200") is read back as one ("1,200").
    text, spans = join_heard([said for said, _, _ in pieces])
    units = [(a, b, float(start), float(end)) for (a, b), (_, start, end) in zip(spans, pieces)]
    return text, units


def _unit_index(units: list[_Unit], char: int) -> int | None:
    i = bisect.bisect_right(units, char, key=lambda u: u[0]) - 1
    return i if i >= 0 and char < units[i][1] else None


def _gap(units, unit_of, j: int, transcript) -> tuple[float | None, float | None]:
    """Where missing words should have been: between the heard words around them."""
    if not units:
        return None, None
    before = unit_of[j - 1] if j > 0 else None
    after = unit_of[j] if j < len(unit_of) else None
    start = units[before][3] if before is not None else 0.0
    end = units[after][2] if after is not None else max(start, float(transcript.duration))
    return start, max(start, end)
