"""Self-check: does a take say what its script line says?

The take is transcribed, both texts are normalized to plain spoken words (case,
punctuation, numbers, contractions), and the two word lists are aligned. The word
error rate decides pass or fail; each differing span is reported with where it is
in the script (to underline it) and when it was heard (to play it).
"""

from __future__ import annotations

import bisect
import difflib
import re
import unicodedata
from dataclasses import asdict, dataclass, field

from studio.engines.stt import Transcript

# -- normalizing ----------------------------------------------------------------------

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))
_ORDINAL = {
    "one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
    "nine": "ninth", "twelve": "twelfth",
}
_CURRENCY = {"$": "dollar", "€": "euro", "£": "pound", "¥": "yen"}
_SYMBOLS = {"&": ["and"], "+": ["plus"], "%": ["percent"], "@": ["at"]}
# Read the same way whether written short or long; Whisper writes either.
_ABBREVIATIONS = {
    "dr": ["doctor"], "mr": ["mister"], "mrs": ["missus"], "vs": ["versus"],
    "etc": ["et", "cetera"], "etcetera": ["et", "cetera"], "ok": ["okay"],
}
_CONTRACTION_ENDINGS = (("n't", ["not"]), ("'re", ["are"]), ("'ve", ["have"]), ("'ll", ["will"]), ("'m", ["am"]))
_IRREGULAR_NOT = {"won't": ["will", "not"], "can't": ["can", "not"], "cannot": ["can", "not"], "shan't": ["shall", "not"]}
_NUMBER_WORDS = set(_ONES) | set(_TENS[2:]) | {"hundred"} | {name for _, name in _SCALES}
_SCALE_WORDS = {"hundred"} | {name for _, name in _SCALES}

# Whitespace-free chunks split further at dashes and slashes ("twenty-five", "and/or").
_PIECE = re.compile(r"[^\s\-‐‑‒–—―/\\|…]+")
_EDGE = "\"'“”‘’«»‹›()[]{}<>.,;:!?¡¿*_~`^"
_CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # kana and ideographs
_CJK = re.compile(f"[{_CJK_CHARS}]")
_CJK_OR_OTHER = re.compile(f"[{_CJK_CHARS}]|[^{_CJK_CHARS}]+")
_NUMBER = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")


@dataclass
class _Token:
    word: str  # normalized
    start: int  # where it came from in the source text
    end: int


def normalize_words(text: str) -> list[str]:
    """The words of `text` as they would be spoken: "Dr. Lee's 3 cats" -> doctor lees three cats."""
    return [t.word for t in _tokens(text)]


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _PIECE.finditer(text):
        piece = match.group()
        lead = len(piece) - len(piece.lstrip(_EDGE))
        trail = len(piece.rstrip(_EDGE))
        if trail <= lead:  # punctuation only: nothing is spoken
            continue
        start, end = match.start() + lead, match.start() + trail
        for word in _spoken(text[start:end]):
            tokens.append(_Token(word, start, end))
    return _tidy_number_words(tokens)


def _spoken(piece: str) -> list[str]:
    """One punctuation-trimmed piece of text as spoken words."""
    piece = unicodedata.normalize("NFKC", piece).casefold()
    piece = piece.replace("’", "'").replace("‘", "'").replace("ʼ", "'").strip("'")
    if piece in _SYMBOLS:
        return list(_SYMBOLS[piece])
    if piece[:1] in _CURRENCY and _NUMBER.match(piece[1:]):
        amount = piece[1:]
        unit = _CURRENCY[piece[0]]
        return _say_number(amount) + [unit if amount in ("1", "1.00") or unit == "yen" else unit + "s"]
    if piece.endswith("%") and _NUMBER.match(piece[:-1]):
        return _say_number(piece[:-1]) + ["percent"]
    if _NUMBER.match(piece):
        return _say_number(piece)
    if m := re.fullmatch(r"(\d+)(st|nd|rd|th)", piece):
        return _ordinal(_say_number(m.group(1)))
    if m := re.fullmatch(r"'?(\d+)s", piece):  # the 1990s, the '90s
        words = _say_number(m.group(1))
        return words[:-1] + [_plural(words[-1])]
    if m := re.fullmatch(r"(\d{1,2}):(\d\d)", piece):  # clock time: 3:30
        minutes = int(m.group(2))
        rest = [] if minutes == 0 else (["oh"] if minutes < 10 else []) + _say_int(minutes)
        return _say_int(int(m.group(1))) + rest
    if piece in _IRREGULAR_NOT:
        return list(_IRREGULAR_NOT[piece])
    for ending, expansion in _CONTRACTION_ENDINGS:
        if piece.endswith(ending) and len(piece) > len(ending):
            return _plain(piece[: -len(ending)]) + expansion
    return _plain(piece)


def _plain(piece: str) -> list[str]:
    """Words left after the special forms: inner punctuation goes, letters and digits split."""
    words: list[str] = []
    for part in re.split(r"[,:;!?&+]+", piece.replace(".", "").replace("'", "")):
        # "mp3" -> mp three, "3d" -> three d; letters of any script stay together.
        for run in _letter_or_digit_runs(part):
            if run.isdigit():
                words += _say_number(run)
            else:
                words += _ABBREVIATIONS.get(run, None) or _split_cjk(_fold_accents(run))
    return words


def _letter_or_digit_runs(text: str) -> list[str]:
    # Letters with their combining marks (Devanagari vowel signs, Arabic vowels);
    # `\w` in a regex would split words at the marks.
    runs: list[str] = []
    kind = ""
    for c in text:
        now = "digit" if c.isdecimal() else "letter" if unicodedata.category(c)[0] in "LM" else ""
        if now and now == kind:
            runs[-1] += c
        elif now:
            runs.append(c)
        kind = now
    return runs


def _fold_accents(word: str) -> str:
    # café == cafe, but only for Latin letters: elsewhere the marks carry meaning.
    folded = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
    return folded if folded.isascii() else unicodedata.normalize("NFC", word)


def _split_cjk(word: str) -> list[str]:
    # Chinese and Japanese have no spaces: compare them character by character.
    if not _CJK.search(word):
        return [word]
    return _CJK_OR_OTHER.findall(word)


def _say_number(digits: str) -> list[str]:
    whole, _, decimals = digits.replace(",", "").partition(".")
    if (len(whole) > 1 and whole.startswith("0")) or len(whole) > 15:
        words = [_ONES[int(d)] for d in whole]  # codes and phone numbers: digit by digit
    elif len(whole) == 4 and "," not in digits and not decimals and _is_year(int(whole)):
        words = _say_year(int(whole))
    else:
        words = _say_int(int(whole))
    if decimals:
        words += ["point"] + [_ONES[int(d)] for d in decimals]
    return words


def _is_year(n: int) -> bool:
    return 1100 <= n <= 1999 or 2010 <= n <= 2099


def _say_year(n: int) -> list[str]:
    # Narrators read 1990 as "nineteen ninety", and Whisper writes it back as 1990.
    high, low = divmod(n, 100)
    if low == 0:
        return _say_int(high) + ["hundred"]
    return _say_int(high) + (["oh"] if low < 10 else []) + _say_int(low)


def _say_int(n: int) -> list[str]:
    if n < 20:
        return [_ONES[n]]
    if n < 100:
        tens, ones = divmod(n, 10)
        return [_TENS[tens]] + ([_ONES[ones]] if ones else [])
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return [_ONES[hundreds], "hundred"] + (_say_int(rest) if rest else [])
    for size, name in _SCALES:
        if n >= size:
            high, rest = divmod(n, size)
            return _say_int(high) + [name] + (_say_int(rest) if rest else [])
    raise AssertionError(n)  # unreachable: every n >= 1000 meets a scale


def _ordinal(words: list[str]) -> list[str]:
    last = words[-1]
    if last in _ORDINAL:
        last = _ORDINAL[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return words[:-1] + [last]


def _plural(word: str) -> str:
    return word[:-1] + "ies" if word.endswith("y") else word + ("es" if word.endswith("x") else "s")


def _tidy_number_words(tokens: list[_Token]) -> list[_Token]:
    """Spelled numbers read like digits do: "a hundred and five" == "105"."""
    out: list[_Token] = []
    for i, token in enumerate(tokens):
        after = tokens[i + 1].word if i + 1 < len(tokens) else ""
        before = out[-1].word if out else ""
        if token.word == "and" and before in _SCALE_WORDS and after in _NUMBER_WORDS - _SCALE_WORDS:
            continue
        if token.word == "a" and after in _SCALE_WORDS:
            token = _Token("one", token.start, token.end)
        out.append(token)
    return out


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
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
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
    return CheckResult(wer=wer, passed=wer <= threshold, diffs=diffs, threshold=threshold)


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
    text, units = "", []
    for said, start, end in pieces:
        said = said.strip()
        if text:
            text += " "
        units.append((len(text), len(text) + len(said), float(start), float(end)))
        text += said
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
