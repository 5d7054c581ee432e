"""The alignment corpus: lines as creators write them, heard as a transcriber writes them.

For each: the self-check passes a correct read, the captions hold exactly the script's
words in order (timed from what was heard), and a name or number said wrong still fails.
"""

from __future__ import annotations

import pytest

from studio.engines.stt import Segment, Transcript, Word
from studio.jobs.check import check_take
from studio.project.karaoke import word_times
from studio.project.wording import normalize_words

# (script line, what a transcriber wrote, word by word; "|" separates pieces it split)
CORPUS = [
    ("There are 1,200 steps between the harbour wall and the lamp room, or so the locals like to say.",
     "There are 1|,200 steps between the harbor wall and the lamp room, or so the locals like to say."),
    ("There are 1,200 steps to the top.", "There are twelve hundred steps to the top."),
    ("There are 1,200 steps to the top.", "There are one thousand two hundred steps to the top."),
    ("It cost $4.99 in 1987.", "It cost four dollars and ninety-nine cents in nineteen eighty-seven."),
    ("It cost £20, a week's wages.", "It cost twenty pounds, a week's wages."),
    ("By 2024 the light had burned for 150 years.", "By twenty twenty-four the light had burned for 150 years."),
    ("The lens is 3.5 metres tall.", "The lens is three point five meters tall."),
    ("She came 2nd, then 21st.", "She came second, then twenty-first."),
    ("Dr. Lee met Mr. Olsen at 9:30.", "Doctor Lee met Mister Olsen at nine thirty."),
    ("The walk is 5 km, about 3 miles.", "The walk is five kilometres, about three miles."),
    ("A well-known, often-told story.", "A well known often told story."),
    ("We don't know, and they won't say.", "We do not know, and they will not say."),
    ("It's the colour of the sea at dawn.", "It is the color of the sea at dawn."),
    ("They travelled to the centre to organise it.", "They traveled to the center to organize it."),
    ("The lighthouse keeper's log.", "The light house keeper's log."),
    ("Ida rowed out to Nyhavn (beat) alone.", "Ida rowed out to Nyhavn alone."),
    ("About 50% of the 10,000 visitors came in July.", "About fifty percent of the ten thousand visitors came in July."),
    ("In the 1990s, two-thirds of it was rebuilt.", "In the nineteen nineties, two thirds of it was rebuilt."),
    ("It opened on 1 May 1872.", "It opened on one May 1872."),
]

GARBLED = [
    ("The ferry stopped at Nyhavn before dawn.", "The ferry stopped at Nighthavon before dawn."),
    ("There are 1,200 steps between the harbour wall and the lamp room, or so the locals like to say.",
     "There are 1,300 steps between the harbour wall and the lamp room, or so the locals like to say."),
    ("Ida and Marta climbed the long stairs together that night.", "Ada and Marta climbed the long stairs together that night."),
]


def transcript(heard: str, step: float = 0.32) -> Transcript:
    pieces = [p for word in heard.split() for p in word.split("|")]
    words = [Word((" " if i and not p.startswith(",") else "") + p, i * step, i * step + step * 0.8) for i, p in enumerate(pieces)]
    text = "".join(w.text for w in words)
    end = words[-1].end
    return Transcript(text=text, language="en", duration=end + 0.2, segments=[Segment(text, 0.0, end, words)])


def spoken(line: str) -> str:
    from studio.project.conventions import spoken_text

    return spoken_text(line)


@pytest.mark.parametrize("line, heard", CORPUS)
def test_a_correct_read_passes_and_keeps_every_word_in_its_captions(line, heard):
    said = spoken(line)
    heard_as = transcript(heard)
    result = check_take(said, heard_as)
    assert result.passed, result.summary()
    assert result.wer <= 0.1, result.summary()
    stored = [{"text": w.text, "start": w.start, "end": w.end} for s in heard_as.segments for w in s.words]
    times = word_times(said, heard_as.duration, stored)
    assert [said[t.char_start:t.char_end] for t in times] == said.split()  # every word, in order
    starts = [t.start for t in times]
    assert starts == sorted(starts) and all(t.end >= t.start for t in times)
    assert times[-1].end <= heard_as.duration + 1e-6


@pytest.mark.parametrize("line, heard", GARBLED)
def test_a_name_or_number_said_wrong_still_fails(line, heard):
    result = check_take(line, transcript(heard))
    assert not result.passed, result.summary()
    assert result.diffs


def test_the_number_and_the_word_after_it_keep_their_own_times():
    line = CORPUS[0][0]
    heard_as = transcript(CORPUS[0][1])
    stored = [{"text": w.text, "start": w.start, "end": w.end} for s in heard_as.segments for w in s.words]
    times = {line[t.char_start:t.char_end]: t for t in word_times(line, heard_as.duration, stored)}
    # "1" and ",200" are the third and fourth pieces heard; "steps" the fifth.
    assert times["1,200"].start == pytest.approx(2 * 0.32) and times["1,200"].end == pytest.approx(3 * 0.32 + 0.256)
    assert times["steps"].start == pytest.approx(4 * 0.32)


@pytest.mark.parametrize(
    "a, b",
    [("harbour", "harbor"), ("1,200", "twelve hundred"), ("Dr.", "doctor"),
     ("colour", "color"), ("it's", "it is"), ("organise", "organize"), ("theatre", "theater"),
     ("5 km", "five kilometers"), ("nineteen oh five", "1905"), ("$5.50", "five dollars and fifty cents")],
)
def test_one_normal_form(a, b):
    assert normalize_words(a) == normalize_words(b)


@pytest.mark.parametrize("a, b", [("four", "for"), ("1,200", "1,300"), ("hour", "or"), ("Nyhavn", "Nighthavon")])
def test_different_meanings_stay_apart(a, b):
    assert normalize_words(a) != normalize_words(b)
