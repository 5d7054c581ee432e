"""Self-check: normalizing what a script says and what a take was heard to say."""

from __future__ import annotations

import pytest

from studio.engines.stt import Segment, Transcript, Word
from studio.jobs.check import CheckResult, check_take, normalize_words


def heard(*timed: tuple[str, float, float], duration: float | None = None) -> Transcript:
    words = [Word(text, start, end) for text, start, end in timed]
    end = duration if duration is not None else (words[-1].end if words else 0.0)
    text = " ".join(w.text for w in words)
    return Transcript(text=text, language="en", duration=end, segments=[Segment(text, 0.0, end, words)] if words else [])


def spoken(text: str, step: float = 0.5) -> Transcript:
    return heard(*((w, i * step, i * step + step * 0.8) for i, w in enumerate(text.split())))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("I have 3 cats.", "i have three cats"),
        ("Twenty-five people came", "25 people came"),
        ("a hundred and five", "105"),
        ("one thousand, two hundred", "1,200"),
        ("It costs $5.", "it costs five dollars"),
        ("50% off", "fifty percent off"),
        ("On the 21st of May", "on the twenty-first of may"),
        ("In 1990 we met", "in nineteen ninety we met"),
        ("the 1990s", "the nineteen nineties"),
        ("We don't know", "we do not know"),
        ("I can't, I won't.", "I cannot, I will not"),
        ("Dr. Smith is here", "Doctor Smith is here"),
        ("It’s “quoted” — isn't it?", "it's quoted isn't it"),
        ("Café NAÏVE", "cafe naive"),
        ("3.5 miles", "three point five miles"),
        ("at 3:30", "at three thirty"),
        ("and/or", "and or"),
    ],
)
def test_the_same_words_written_two_ways_normalize_alike(a, b):
    assert normalize_words(a) == normalize_words(b)
    assert normalize_words(a)  # not vacuously equal


@pytest.mark.parametrize(
    ("a", "b"),
    [("3 cats", "4 cats"), ("thirteen", "thirty"), ("1990", "1991"), ("form", "from"), ("cafe", "coffee")],
)
def test_different_words_stay_different(a, b):
    assert normalize_words(a) != normalize_words(b)


def test_normalizing_is_lowercase_words_without_punctuation():
    assert normalize_words("Hello, World! ... — (Yes.)") == ["hello", "world", "yes"]
    assert normalize_words("") == []
    assert normalize_words("?! — …") == []
    assert normalize_words("🎉 party time") == ["party", "time"]


def test_normalizing_is_unicode_safe():
    assert normalize_words("Straße, ﬁne") == ["strasse", "fine"]
    assert normalize_words("Привет, мир!") == ["привет", "мир"]
    # Scripts without spaces are compared character by character.
    assert normalize_words("東京へ行きます。") == ["東", "京", "へ", "行", "き", "ま", "す"]
    assert normalize_words("नमस्ते दुनिया") == ["नमस्ते", "दुनिया"]


def test_a_take_that_says_the_script_passes_with_no_differences():
    result = check_take("We bought 3 green apples, didn't we?", spoken("We bought three green apples did not we"))
    assert result.passed and result.wer == 0.0 and result.diffs == []
    assert "word for word" in result.summary()


def test_changed_words_are_named_with_script_place_and_time():
    script = "The river was quiet at seven in the morning."
    take = heard(
        ("The", 0.0, 0.2), ("river", 0.2, 0.5), ("was", 0.5, 0.7), ("loud", 0.7, 1.0), ("at", 1.0, 1.1),
        ("9", 1.1, 1.4), ("in", 1.4, 1.5), ("the", 1.5, 1.6), ("evening.", 1.6, 2.0),
    )
    result = check_take(script, take)
    assert not result.passed
    assert result.wer == pytest.approx(3 / 9)
    assert [(d.kind, d.script, d.heard) for d in result.diffs] == [
        ("changed", "quiet", "loud"),
        ("changed", "seven", "9"),
        ("changed", "morning", "evening"),  # punctuation is not underlined
    ]
    quiet, seven, morning = result.diffs
    assert script[quiet.script_start : quiet.script_end] == "quiet"
    assert script[morning.script_start : morning.script_end] == "morning"
    assert (quiet.start, quiet.end) == (0.7, 1.0)
    assert (seven.start, seven.end) == (1.1, 1.4)
    assert "“quiet” heard as “loud”" in result.summary()


def test_skipped_words_are_missing_and_placed_in_the_silence_where_they_belong():
    script = "Open the big window and let the air in."
    take = heard(("Open", 0.0, 0.3), ("the", 0.3, 0.4), ("window", 0.9, 1.3), ("and", 1.3, 1.4),
                 ("let", 1.4, 1.6), ("the", 1.6, 1.7), ("air", 1.7, 1.9), ("in", 1.9, 2.1))
    result = check_take(script, take)
    assert [(d.kind, d.script, d.heard) for d in result.diffs] == [("missing", "big", "")]
    assert (result.diffs[0].start, result.diffs[0].end) == (0.4, 0.9)
    assert result.wer == pytest.approx(1 / 9) and result.passed


def test_extra_words_are_named_at_the_place_they_were_heard():
    script = "Thank you for watching."
    result = check_take(script, spoken("thank you so much for watching"))
    assert [(d.kind, d.script, d.heard) for d in result.diffs] == [("extra", "", "so much")]
    extra = result.diffs[0]
    assert extra.script_start == extra.script_end == script.index("for")
    assert (extra.start, extra.end) == (1.0, 1.9)
    assert result.wer == pytest.approx(2 / 4) and not result.passed


def test_missing_words_at_the_end_reach_to_the_end_of_the_take():
    result = check_take("one two three four", heard(("one", 0, 0.3), ("two", 0.3, 0.6), duration=2.0))
    assert [(d.kind, d.script) for d in result.diffs] == [("missing", "three four")]
    assert (result.diffs[0].start, result.diffs[0].end) == (0.6, 2.0)


def test_threshold_decides_pass_or_fail():
    take = spoken("the cat sat on a mat")
    assert check_take("the cat sat on the mat", take).passed  # 1 in 6
    assert not check_take("the cat sat on the mat", take, threshold=0.1).passed
    assert check_take("the cat sat on the mat", take, threshold=0.1).wer == pytest.approx(1 / 6)


def test_a_plain_text_transcript_is_compared_without_times():
    result = check_take("Hello there world", "hello world")
    assert [(d.kind, d.script, d.start) for d in result.diffs] == [("missing", "there", None)]


def test_a_transcript_without_word_timings_uses_segment_times():
    take = Transcript("Hello big world", "en", 3.0, [Segment("Hello", 0.0, 1.0), Segment("big world", 1.0, 3.0)])
    result = check_take("Hello small world", take)
    assert [(d.heard, d.start, d.end) for d in result.diffs] == [("big", 1.0, 3.0)]


def test_empty_script_or_silence():
    assert check_take("", spoken("")).passed
    assert not check_take("", spoken("something")).passed
    silent = check_take("Say this line.", Transcript("", "en", 2.0, []))
    assert silent.wer == 1.0 and not silent.passed
    assert [d.kind for d in silent.diffs] == ["missing"]


def test_long_scripts_are_checked_quickly():
    import time

    words = ("alpha beta gamma delta epsilon zeta eta theta " * 250).split()
    take = list(words)
    take[1000] = "changed"
    del take[1500]
    started = time.perf_counter()
    result = check_take(" ".join(words), spoken(" ".join(take), step=0.3))
    assert time.perf_counter() - started < 2.0
    assert [d.kind for d in result.diffs] == ["changed", "missing"]


def test_a_result_round_trips_through_a_dict():
    result = check_take("The river was quiet", spoken("the river was loud"))
    again = CheckResult.from_dict(result.to_dict())
    assert again == CheckResult.from_dict(again.to_dict())
    assert again.diffs == result.diffs and again.passed == result.passed
