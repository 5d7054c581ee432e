"""What a line says, in a form that keeps its meaning and drops how it is written.

One normaliser for everything that compares a script with what was heard: the
self-check (`studio.jobs.check`) and the caption timings (`studio.project.karaoke`).
"1,200", "one thousand two hundred" and "twelve hundred" are the same words here;
so are "harbour" and "harbor", "Dr." and "doctor", "don't" and "do not", "5 km" and
"five kilometres". Case and punctuation never count. A different number or a
different name stays different.
"""

from __future__ import annotations

import bisect
import difflib
import re
import unicodedata
from dataclasses import dataclass


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
    "etc": ["et", "cetera"], "etcetera": ["et", "cetera"], "ok": ["okay"], "st": ["saint"],
    "prof": ["professor"], "approx": ["approximately"], "no": ["no"],
    # Units, to one spelling of the singular: "5 km" is "five kilometres".
    "km": ["kilometer"], "kms": ["kilometer"], "kg": ["kilogram"], "kgs": ["kilogram"], "cm": ["centimeter"],
    "mm": ["millimeter"], "mph": ["miles", "per", "hour"], "kph": ["kilometer", "per", "hour"],
    "ft": ["feet"], "lb": ["pounds"], "lbs": ["pounds"], "oz": ["ounces"], "hrs": ["hours"], "mins": ["minutes"],
}
_CONTRACTION_ENDINGS = (("n't", ["not"]), ("'re", ["are"]), ("'ve", ["have"]), ("'ll", ["will"]), ("'m", ["am"]))
_IRREGULAR_NOT = {
    "won't": ["will", "not"], "can't": ["can", "not"], "cannot": ["can", "not"], "shan't": ["shall", "not"],
    "let's": ["let", "us"], "y'all": ["you", "all"], "o'clock": ["oclock"],
}
# "'s" is "is" after these ("it's" = "it is"); elsewhere it is a possessive ("Ida's").
_IS_AFTER = {"it", "that", "what", "there", "here", "he", "she", "who", "where", "how", "when", "why", "this"}
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
    return _merge_numbers(_tidy_number_words(tokens))


def _spoken(piece: str) -> list[str]:
    """One punctuation-trimmed piece of text as spoken words."""
    piece = unicodedata.normalize("NFKC", piece).casefold()
    piece = piece.replace("’", "'").replace("‘", "'").replace("ʼ", "'").strip("'")
    if piece in _SYMBOLS:
        return list(_SYMBOLS[piece])
    if piece[:1] in _CURRENCY and _NUMBER.match(piece[1:]):
        amount = piece[1:]
        unit = _CURRENCY[piece[0]]
        whole, _, cents = amount.partition(".")
        words = _say_number(whole) + [unit if whole == "1" or unit == "yen" else unit + "s"]
        if cents and int(cents.ljust(2, "0")[:2]):
            small = {"pound": ("penny", "pence")}.get(unit, ("cent", "cents"))
            value = int(cents.ljust(2, "0")[:2])
            words += ["and"] + _say_int(value) + [small[0] if value == 1 else small[1]]
        return words
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
    if piece.endswith("'s") and piece[:-2] in _IS_AFTER:
        return [piece[:-2], "is"]
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
                words += _ABBREVIATIONS.get(run, None) or [_fold_spelling(w) for w in _split_cjk(_fold_accents(run))]
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


# -- spellings ------------------------------------------------------------------------

# British and American spellings of one word fold to one form (both sides alike).
_SPELLINGS = {
    "grey": "gray", "programme": "program", "programmes": "program", "tyre": "tire", "tyres": "tires",
    "cheque": "check", "cheques": "checks", "kerb": "curb", "plough": "plow", "mould": "mold",
    "aluminium": "aluminum", "defence": "defense", "offence": "offense", "licence": "license",
    "pyjamas": "pajamas", "storey": "story", "storeys": "stories", "jewellery": "jewelry",
    "manoeuvre": "maneuver", "doughnut": "donut", "whisky": "whiskey", "sceptical": "skeptical",
    "ageing": "aging", "enrol": "enroll", "fulfil": "fulfill", "skilful": "skillful", "artefact": "artifact",
    "kilometre": "kilometer", "kilometres": "kilometer", "kilometers": "kilometer", "metres": "meter",
    "meters": "meter", "metre": "meter", "kilograms": "kilogram", "centimetres": "centimeter",
    "centimeters": "centimeter", "millimetres": "millimeter", "millimeters": "millimeter",
}
_OUR_KEEP = {"devour", "contour", "detour", "troubadour", "paramour", "velour", "amour", "glamour", "hour", "flour"}
_DOUBLE_L = re.compile(r"^(.{3,}[aeiou])ll(ed|ing|er|ers)$")


def _fold_spelling(word: str) -> str:
    if word in _SPELLINGS:
        return _SPELLINGS[word]
    if not word.isascii() or len(word) < 5:
        return word
    for british, american in (("ours", "ors"), ("oured", "ored"), ("ouring", "oring"), ("ourite", "orite"),
                              ("ourable", "orable"), ("our", "or")):
        stem = word[: -len(british)]
        if word.endswith(british) and len(stem) >= 3 and stem + "our" not in _OUR_KEEP:
            return stem + american
    for british, american in (("isation", "ization"), ("isations", "izations"), ("ising", "izing"),
                              ("ised", "ized"), ("ises", "izes"), ("ise", "ize"), ("yse", "yze"), ("ysed", "yzed")):
        if word.endswith(british) and len(word) - len(british) >= 3 and word not in _ISE_KEEP:
            return word[: -len(british)] + american
    for british, american in (("tres", "ters"), ("tre", "ter"), ("bre", "ber"), ("bres", "bers")):
        if word.endswith(british) and len(word) - len(british) >= 3:
            return word[: -len(british)] + american
    if word.endswith(("ogue", "ogues")) and len(word) >= 7:
        return word.replace("ogue", "og")
    match = _DOUBLE_L.match(word)
    if match and not word.startswith(("fill", "spill", "call", "tell", "sell", "well", "roll", "kill", "pull", "fall")):
        return match.group(1) + "l" + match.group(2)
    return word


# Words in -ise that have no -ize spelling; folding them would not be wrong (both sides
# fold alike), but it keeps the normal form readable in the self-check's messages.
_ISE_KEEP = {
    "advise", "advertise", "arise", "chastise", "circumcise", "comprise", "compromise", "concise",
    "demise", "despise", "devise", "disguise", "enterprise", "exercise", "excise", "expertise",
    "franchise", "improvise", "incise", "merchandise", "otherwise", "paradise", "precise", "premise",
    "promise", "revise", "supervise", "surmise", "surprise", "televise", "treatise", "noise", "praise",
    "raise", "poise", "cruise", "bruise", "wise", "rise", "likewise", "clockwise", "sunrise",
}


# -- numbers as one token -------------------------------------------------------------

_ONES_VALUE = {word: n for n, word in enumerate(_ONES)}
_TENS_VALUE = {word: 10 * n for n, word in enumerate(_TENS) if n >= 2}
_SCALE_VALUE = {name: size for size, name in _SCALES}


def _merge_numbers(tokens: list[_Token]) -> list[_Token]:
    """A number said in words becomes one token of digits, however it was said:
    "one thousand two hundred" and "twelve hundred" are both "1200", "nineteen ninety"
    is "1990", "three point five" is "3.5". Numbers said one after another stay apart
    ("one two three" is three tokens)."""
    out: list[_Token] = []
    i = 0
    while i < len(tokens):
        j = i
        while j < len(tokens) and _is_number_word(tokens, j, i):
            j += 1
        if j == i:
            out.append(tokens[i])
            i += 1
            continue
        for digits, first, last in _numbers([t.word for t in tokens[i:j]]):
            out.append(_Token(digits, tokens[i + first].start, tokens[i + last].end))
        i = j
    return out


def _is_number_word(tokens: list[_Token], j: int, first: int) -> bool:
    word = tokens[j].word
    if word in _ONES_VALUE or word in _TENS_VALUE or word in _SCALE_VALUE or word == "hundred":
        return True
    # "oh" and "point" only between number words: "nineteen oh five", "three point five".
    inside = j > first and j + 1 < len(tokens) and tokens[j + 1].word in _ONES_VALUE
    return word in ("oh", "point") and inside


def _numbers(words: list[str]) -> list[tuple[str, int, int]]:
    """(digits, first word, last word) of each number in a run of number words."""
    found: list[list] = []  # [value or digit string, first, last]
    total = current = 0
    last = None
    begin = 0

    def close(at: int):
        nonlocal total, current, last
        if last is not None:
            found.append([str(total + current), begin, at - 1])
        total = current = 0
        last = None

    k = 0
    while k < len(words):
        word = words[k]
        if word == "point" and last is not None:
            digits = ""
            while k + 1 < len(words) and words[k + 1] in _ONES_VALUE and _ONES_VALUE[words[k + 1]] < 10:
                k += 1
                digits += str(_ONES_VALUE[words[k]])
            value = total + current
            found.append([f"{value}.{digits}", begin, k])
            total = current = 0
            last = None
            begin = k + 1
        elif word == "oh":
            close(k)
            found.append(["0", k, k])
            begin = k + 1
        elif word in _ONES_VALUE:
            value = _ONES_VALUE[word]
            if last == "tens" and value < 10 or last in ("hundred", "scale"):
                current += value
            else:
                close(k)
                begin, current = k, value
            last = "ones"
        elif word in _TENS_VALUE:
            if last in ("hundred", "scale"):
                current += _TENS_VALUE[word]
            else:
                close(k)
                begin, current = k, _TENS_VALUE[word]
            last = "tens"
        elif word == "hundred":
            if last is None:
                begin = k
            current = (current or 1) * 100
            last = "hundred"
        else:
            if last is None:
                begin = k
            total += (current or 1) * _SCALE_VALUE[word]
            current = 0
            last = "scale"
        k += 1
    close(len(words))
    # A year said in two halves: "nineteen ninety", "twenty twenty four", "nineteen oh five".
    merged: list[tuple[str, int, int]] = []
    k = 0
    while k < len(found):
        value, first, last = found[k]
        after = found[k + 1] if k + 1 < len(found) else None
        if _two_digits(value) and after is not None and after[1] == last + 1:
            if after[0] == "0" and k + 2 < len(found) and found[k + 2][0].isdigit() and len(found[k + 2][0]) == 1:
                merged.append((value + "0" + found[k + 2][0], first, found[k + 2][2]))
                k += 3
                continue
            if _two_digits(after[0]):
                merged.append((value + after[0], first, after[2]))
                k += 2
                continue
        merged.append((value, first, last))
        k += 1
    return merged


def _two_digits(value: str) -> bool:
    return value.isdigit() and 10 <= int(value) <= 99


# -- aligning -------------------------------------------------------------------------


def normal_tokens(text: str) -> list[tuple[str, int, int]]:
    """(normal word, char start, char end) of `text`."""
    return [(t.word, t.start, t.end) for t in _tokens(text)]


def join_heard(pieces: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """Heard words as one text, and each word's character span in it. A number the
    transcriber split ("1", ",200") is joined back into one ("1,200")."""
    text, spans = "", []
    for said in pieces:
        said = said.strip()
        if text and not (re.match(r"^[,.]\d", said) and text[-1:].isdigit()):
            text += " "
        spans.append((len(text), len(text) + len(said)))
        text += said
    return text, spans


def same_words(a: list[str], b: list[str]) -> bool:
    """Two runs of normal words that say the same ("light house" and "lighthouse")."""
    return "".join(a) == "".join(b)


def match_blocks(script: list[str], heard: list[str]):
    """difflib opcodes between two normal word lists."""
    return difflib.SequenceMatcher(None, script, heard, autojunk=False).get_opcodes()


def align_times(text: str, heard: list[tuple[str, float, float]], duration: float) -> list[tuple[int, int, float, float]]:
    """(char start, char end, start s, end s) of every whitespace-separated word of `text`,
    timed from the heard words. The words are the script's, every one, in order; only the
    times come from what was heard, matched through the normal forms, so a number heard as
    "1" ",200" or "twelve hundred" times "1,200" and the word after it keeps its own time."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    if not words:
        return []
    heard = [(str(w), float(a), float(b)) for w, a, b in heard if str(w).strip()]
    end_of_take = max([duration] + [b for _, _, b in heard]) if heard else max(0.0, duration)
    times: list[list[float] | None] = [None] * len(words)
    if heard:
        heard_text, spans = join_heard([w for w, _, _ in heard])
        script_tokens, heard_tokens = normal_tokens(text), normal_tokens(heard_text)
        starts = [a for a, _ in spans]

        word_starts = [a for a, _ in words]

        def unit(char: int) -> int:
            return max(0, bisect.bisect_right(starts, char) - 1)

        def word_of(char: int) -> int:
            return max(0, bisect.bisect_right(word_starts, char) - 1)

        def put(k: int, start: float, end: float) -> None:
            w = word_of(script_tokens[k][1])
            if times[w] is None:
                times[w] = [start, end]
            else:
                times[w] = [min(times[w][0], start), max(times[w][1], end)]

        for op, i1, i2, j1, j2 in match_blocks([t[0] for t in script_tokens], [t[0] for t in heard_tokens]):
            if op == "equal":
                for k, j in zip(range(i1, i2), range(j1, j2)):
                    # One normal word may span heard pieces: "1" ",200" is "1200".
                    first, last = unit(heard_tokens[j][1]), unit(max(heard_tokens[j][1], heard_tokens[j][2] - 1))
                    put(k, heard[first][1], max(heard[first][1], heard[last][2]))
            elif op == "replace":
                first, last = unit(heard_tokens[j1][1]), unit(heard_tokens[j2 - 1][1])
                start, end = heard[first][1], max(heard[first][1], heard[last][2])
                n = i2 - i1
                for k in range(i1, i2):
                    share = (k - i1) / n, (k - i1 + 1) / n
                    put(k, start + (end - start) * share[0], start + (end - start) * share[1])
    _fill_gaps(times, words, end_of_take, heard[0][1] if heard else 0.0)
    out = []
    previous = 0.0
    for (a, b), (start, end) in zip(words, times):
        start = max(start, previous)
        end = max(end, start)
        out.append((a, b, start, end))
        previous = start
    return out


def _fill_gaps(times: list, words: list, end_of_take: float, first_heard: float) -> None:
    """Words no heard word matched (or all of them, with nothing heard) share the time
    between their timed neighbours by their length."""
    i = 0
    while i < len(times):
        if times[i] is not None:
            i += 1
            continue
        j = i
        while j < len(times) and times[j] is None:
            j += 1
        left = times[i - 1][1] if i > 0 else (0.0 if j == len(times) else min(first_heard, times[j][0]))
        right = times[j][0] if j < len(times) else end_of_take
        right = max(left, right)
        lengths = [words[k][1] - words[k][0] + 1 for k in range(i, j)]
        total = sum(lengths)
        at = left
        for k, length in zip(range(i, j), lengths):
            step = (right - left) * length / total
            times[k] = [at, at + step]
            at += step
        i = j
