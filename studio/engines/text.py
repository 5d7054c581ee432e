"""Text handling shared by the speech engines: sentences, speakable text, phoneme chunks.

Pure functions over strings; no model is involved, so a 20,000-character line is
split in milliseconds and each piece can be rendered, reported and cancelled alone.
"""

from __future__ import annotations

import re
import unicodedata

# A full stop after one of these does not end a sentence ("Dr. Smith", "e.g. this").
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st sr jr vs etc e.g i.e no fig approx mt inc ltd co dept est vol".split()
)
_SENTENCE_END = re.compile(r"([.!?…。！？]+[\"”’')\]]*)(\s+)")
_PUNCTUATION_MAP = {"FULL STOP": ".", "COMMA": ",", "QUESTION": "?", "EXCLAMATION": "!", "COLON": ":"}

_CURRENCY = {"$": ("dollar", "dollars", "cent", "cents"), "€": ("euro", "euros", "cent", "cents"),
             "£": ("pound", "pounds", "penny", "pence")}
_MONEY = re.compile(r"([$€£])\s?(\d[\d,]*)(?:\.(\d{1,2}))?(?!\.?\d)")
_GROUPED = re.compile(r"\b\d{1,3}(?:,\d{3})+\b")
_DECIMAL = re.compile(r"\b(\d+)\.(\d+)\b")
_CLOCK = re.compile(r"\b(\d{1,2}):(\d{2})\b")
_SAID_AS = (  # abbreviations whose full stop would read as the end of a sentence
    (re.compile(r"\b(Mr|Mrs|Ms|Dr|Prof|St|Jr|Sr|vs)\.", re.IGNORECASE), r"\1"),
    (re.compile(r"\be\.g\.", re.IGNORECASE), "for example"),
    (re.compile(r"\bi\.e\.", re.IGNORECASE), "that is"),
    (re.compile(r"\b([ap])\.m\.", re.IGNORECASE), r"\1m"),
)

# Where a long phoneme string may be cut, strongest break first.
_BREAKS = (".!?…", ":;", ",—–")


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, in order; a line break always ends a sentence."""
    sentences: list[str] = []
    for paragraph in re.split(r"\s*\n\s*", text):
        start = 0
        for match in _SENTENCE_END.finditer(paragraph):
            candidate = paragraph[start : match.end(1)]
            if match.group(1) == "." and _ends_with_abbreviation(candidate):
                continue
            sentences.append(candidate.strip())
            start = match.end()
        sentences.append(paragraph[start:].strip())
    return [s for s in sentences if s]


def _ends_with_abbreviation(candidate: str) -> bool:
    words = candidate.split()
    if not words:
        return False
    last = words[-1].rstrip(".").lstrip("(\"“'")
    # A single capital ("J. R. Smith") is an initial, not the end of a sentence.
    return last.lower() in _ABBREVIATIONS or (len(last) == 1 and last.isupper())


def speakable_text(text: str) -> str:
    """What an English voice can say: Latin letters, digits, punctuation and symbols.

    Emoji, pictographs and letters of other scripts are dropped: espeak-ng would
    otherwise read them out by name ("grinning face", "Arabic meem").
    """
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        out.append(_speakable_char(ch))
    return " ".join("".join(out).split())


def _speakable_char(ch: str) -> str:
    if ch.isascii():
        return ch if ch.isprintable() else " "
    category = unicodedata.category(ch)
    name = unicodedata.name(ch, "")
    kind = category[0]
    if kind == "L":
        return ch if name.startswith("LATIN") else " "
    if kind == "N":
        return ch if ord(ch) < 0x100 else " "  # ² ½ yes; digits of other scripts no
    if kind == "P":
        if ord(ch) < 0x250 or 0x2000 <= ord(ch) <= 0x206F:
            return ch
        for word, mark in _PUNCTUATION_MAP.items():
            if word in name:
                return mark
        return " "
    if category in ("Sc", "Sm"):
        return ch  # € £ ± ×: espeak-ng says them in English
    return " "  # emoji (So, Sk), combining marks and joiners (Mn, Cf), controls, spaces


def spell_out(text: str) -> str:
    """Write money, numbers, clock times and abbreviations so a plain phonemizer reads them right.

    espeak-ng reads "$5.50" as "dollar five . fifty", "1,000" as "one , zero" and
    keeps the full stop of "Dr." as a pause in mid-sentence.
    """
    for pattern, words in _SAID_AS:
        text = pattern.sub(words, text)
    text = _MONEY.sub(_money_words, text)
    text = _GROUPED.sub(lambda m: m.group(0).replace(",", ""), text)
    text = _CLOCK.sub(_clock_words, text)
    return _DECIMAL.sub(lambda m: f"{m.group(1)} point {' '.join(m.group(2))}", text)


def _clock_words(m: re.Match) -> str:
    hours, minutes = m.group(1), m.group(2)
    if minutes == "00":
        return f"{hours} o'clock"
    return f"{hours} oh {minutes[1]}" if minutes[0] == "0" else f"{hours} {minutes}"


def _money_words(m: re.Match) -> str:
    one, many, small_one, small_many = _CURRENCY[m.group(1)]
    whole = m.group(2).replace(",", "")
    words = f"{whole} {one if whole == '1' else many}"
    if m.group(3):
        cents = int(m.group(3).ljust(2, "0"))
        if cents:
            words += f" and {cents} {small_one if cents == 1 else small_many}"
    return words


def has_speech(phonemes: str) -> bool:
    """Whether a phoneme string holds anything to say (not only stress marks and punctuation)."""
    return any(ch.isalpha() and ch not in "ˈˌːˑ" for ch in phonemes)


def chunk_phonemes(phonemes: str, limit: int = 500) -> list[str]:
    """Cut a phoneme string into pieces of at most `limit` characters.

    Cuts fall after sentence punctuation if one lies in the last two thirds of the
    window, else after a clause mark, else at a space; a single word longer than
    `limit` is cut where it must be.
    """
    if limit < 3:
        raise ValueError("limit must be at least 3")
    rest = " ".join(phonemes.split())
    chunks: list[str] = []
    while len(rest) > limit:
        cut = _best_cut(rest, limit)
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def _best_cut(text: str, limit: int) -> int:
    floor = limit // 3
    for marks in _BREAKS:
        at = max(text.rfind(mark, 0, limit) for mark in marks)
        if at + 1 >= floor:
            return at + 1
    space = text.rfind(" ", 0, limit + 1)
    if space >= 1:
        return space
    return limit
