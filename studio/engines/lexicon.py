"""A project's pronunciation entries, applied on the way from text to phonemes.

The entries a line uses travel in its render request (`extra["pronunciation"]`), so
a take goes stale exactly when one of them changes. A value between slashes is
phonemes in Kokoro's alphabet and is inserted as it is; any other value is a
respelling, spoken through the G2P in the word's place.
"""

from __future__ import annotations

import re

from studio.engines.base import RenderRequest

EXTRA_KEY = "pronunciation"


def lexicon_of(request: RenderRequest) -> dict[str, str]:
    """word → value, from a request (values survive a JSON round trip as lists)."""
    for key, value in request.extra:
        if key == EXTRA_KEY:
            return {str(word): str(said) for word, said in value}
    return {}


def with_lexicon(request: RenderRequest, used) -> RenderRequest:
    """The request carrying these entries; unchanged (same cache key) when there are none."""
    from dataclasses import replace

    used = tuple(sorted((str(w), str(v)) for w, v in used))
    rest = tuple(pair for pair in request.extra if pair[0] != EXTRA_KEY)
    return replace(request, extra=rest + ((EXTRA_KEY, used),) if used else rest)


def _pattern(words) -> re.Pattern | None:
    # The same whole-word rule as studio.project.voicebook.word_pattern, which the
    # engines may not import: a word in any case, next to any punctuation.
    words = sorted(words, key=len, reverse=True)  # "New York" before "New"
    if not words:
        return None
    alternatives = (r"\s+".join(re.escape(p) for p in w.split()) for w in words)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


def is_phonemes(value: str) -> bool:
    value = value.strip()
    return len(value) > 2 and value.startswith("/") and value.endswith("/")


def phonemize_with(text: str, phonemize, lexicon: dict[str, str]) -> str:
    """`phonemize(text)` with the lexicon's words said as it says."""
    if not lexicon:
        return phonemize(text)
    entries = {" ".join(w.split()).casefold(): v for w, v in lexicon.items()}
    respell = _pattern(w for w, v in entries.items() if not is_phonemes(v))
    if respell is not None:
        text = respell.sub(lambda m: entries[" ".join(m.group(0).split()).casefold()], text)
    spelled = _pattern(w for w, v in entries.items() if is_phonemes(v))
    if spelled is None:
        return phonemize(text)
    pieces: list[str] = []
    at = 0
    for match in spelled.finditer(text):
        pieces.append(phonemize(text[at : match.start()]))
        pieces.append(entries[" ".join(match.group(0).split()).casefold()].strip()[1:-1].strip())
        at = match.end()
    pieces.append(phonemize(text[at:]))
    return " ".join(" ".join(p for p in pieces if p).split())
