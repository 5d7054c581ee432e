"""Captions: cue splitting on awkward word timings, and SRT/WebVTT written exactly."""

from __future__ import annotations

import re

import pytest

from studio.engines.stt import Word
from studio.errors import StudioError
from studio.render.captions import Cue, cues_from_words, to_srt, to_vtt, write_captions


def timed(text: str, start: float = 0.0, per_char: float = 0.06, gap: float = 0.05) -> list[Word]:
    words, t = [], start
    for w in text.split():
        d = 0.1 + per_char * len(w)
        words.append(Word(w, t, t + d))
        t += d + gap
    return words


def assert_well_formed(cues: list[Cue], width: int = 42, max_lines: int = 2):
    previous_end = 0.0
    for cue in cues:
        assert cue.start >= previous_end - 1e-9, "cues overlap or go backwards"
        assert cue.end > cue.start, "a cue has no duration"
        assert 1 <= len(cue.lines) <= max_lines
        assert all(line and len(line) <= width for line in cue.lines), cue.lines
        previous_end = cue.end


SCRIPT = (
    "Stitch Studio turns a script into a narrated video. Every line is voiced by a local model, "
    "checked, and timed, so captions come for free. Nothing leaves your computer unless you ask."
)


def test_every_word_appears_once_in_order_within_the_limits():
    words = timed(SCRIPT)
    cues = cues_from_words(words)
    assert_well_formed(cues)
    assert " ".join(" ".join(c.lines) for c in cues).split() == SCRIPT.split()
    assert all(c.end - c.start <= 6.0 + 1e-9 for c in cues)


def test_cues_end_at_sentence_ends_when_they_can():
    cues = cues_from_words(timed(SCRIPT))
    assert cues[0].text == "Stitch Studio turns a script\ninto a narrated video."
    assert any(c.text == "so captions come for free." for c in cues)
    assert cues[-1].lines[-1].endswith("unless you ask.")


def test_a_full_cue_breaks_after_a_comma_rather_than_mid_phrase():
    text = "When the light turns green and the road is clear, drive on slowly towards the old bridge over the river"
    cues = cues_from_words(timed(text, per_char=0.02))
    assert cues[0].lines[-1].endswith("clear,")


def test_two_lines_are_balanced():
    cues = cues_from_words(timed("one two three four five six seven eight nine ten eleven twelve", per_char=0.01))
    assert len(cues) == 1 and len(cues[0].lines) == 2
    top, bottom = cues[0].lines
    assert abs(len(top) - len(bottom)) <= 8


def test_a_pause_starts_a_new_cue():
    words = timed("Hello there.") + timed("Welcome back", start=5.0)
    cues = cues_from_words(words)
    assert [c.text for c in cues] == ["Hello there.", "Welcome back"]
    assert cues[1].start == pytest.approx(5.0)


def test_a_word_longer_than_a_line_is_hard_wrapped_and_the_split_terminates():
    long = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 3  # 135 characters
    cues = cues_from_words([Word("A", 0.0, 0.2), Word(long, 0.2, 3.2), Word("indeed.", 3.2, 3.6)], max_chars_per_line=20)
    assert_well_formed(cues, width=20)
    assert "".join("".join(c.lines) for c in cues).replace("A", "", 1).startswith(long[:40])
    assert "".join(line for c in cues for line in c.lines).count("P") == 3 and cues[-1].text.endswith("indeed.")


@pytest.mark.parametrize("width", [1, 2, 5])
def test_absurdly_narrow_lines_still_terminate(width):
    cues = cues_from_words(timed("a bb ccc dddd"), max_chars_per_line=width, max_lines=1)
    assert_well_formed(cues, width=width, max_lines=1)
    assert "".join(c.text for c in cues).replace(" ", "") == "abbcccdddd"


def test_numbers_are_kept_as_written():
    cues = cues_from_words(timed("In 1990 it cost $3.50, about 25% more."))
    assert cues[0].text == "In 1990 it cost $3.50, about 25% more."


def test_punctuation_only_tokens_ride_with_their_neighbours():
    words = [Word("“", 0, 0), Word("Wait", 0.0, 0.3), Word("—", 0.3, 0.3), Word("what", 0.4, 0.6),
             Word("?", 0.6, 0.6), Word("”", 0.6, 0.6), Word("...", 0.6, 0.7)]
    cues = cues_from_words(words)
    assert [c.text for c in cues] == ["“Wait— what?”..."]


def test_only_punctuation_gives_no_cues():
    assert cues_from_words([Word("...", 0, 1), Word("—", 1, 2)]) == []


def test_zero_length_words_get_readable_cues():
    cues = cues_from_words([Word("Yes", 1.0, 1.0), Word("no", 1.0, 1.0)])
    assert_well_formed(cues)
    assert cues[0].end - cues[0].start == pytest.approx(0.8)


def test_all_words_at_one_instant_still_give_ordered_cues():
    words = [Word(f"word{i}.", 2.0, 2.0) for i in range(40)]
    cues = cues_from_words(words)
    assert_well_formed(cues)
    assert len(cues) > 1 and cues[0].start == pytest.approx(2.0)


def test_overlapping_and_backwards_timestamps_are_clamped_in_spoken_order():
    words = [Word("one", 0.0, 1.0), Word("two", 0.5, 0.7), Word("three", 0.2, 0.1),
             Word("four", 3.0, 2.0), Word("five", float("nan"), 3.5)]
    cues = cues_from_words(words, max_chars_per_line=10, max_lines=1)
    assert_well_formed(cues, width=10, max_lines=1)
    assert " ".join(c.text for c in cues).split() == ["one", "two", "three", "four", "five"]
    assert cues[0].end == pytest.approx(1.0)  # "one" is still being said when "two" starts


def test_a_short_cue_is_stretched_but_never_into_the_next():
    cues = cues_from_words([Word("Hi.", 0.0, 0.1), Word("Then", 2.85, 3.0), Word("more.", 3.0, 3.3)], gap_split=0.5)
    assert [c.text for c in cues] == ["Hi.", "Then more."]
    assert cues[0].end == pytest.approx(0.8)
    cues = cues_from_words([Word("Hi.", 0.0, 0.1), Word("Then", 1.7, 2.0)], gap_split=0.5, min_duration=2.0)
    assert cues[0].end == pytest.approx(1.7)


def test_a_one_word_cue_joins_its_neighbour_after_a_short_pause():
    cues = cues_from_words([Word("Hi.", 0.0, 0.1), Word("Then", 0.85, 1.0), Word("more.", 1.0, 1.3)], gap_split=0.5)
    assert [c.text for c in cues] == ["Hi. Then more."]
    words = [Word(w, i * 0.3, i * 0.3 + 0.25) for i, w in enumerate(
        "The ferry came in late and the harbour was dark when Ida stepped onto the quay. Home.".split())]
    cues = cues_from_words(words)
    assert all(len(c.text.split()) > 1 for c in cues)
    assert " ".join(c.text for c in cues).split() == [w.text for w in words]


def test_a_single_endless_word_is_capped_at_the_longest_cue():
    cues = cues_from_words([Word("hmm", 0.0, 30.0)])
    assert (cues[0].start, cues[0].end) == (0.0, 6.0)


def test_long_speech_without_pauses_is_cut_by_duration():
    words = [Word("la", i * 0.5, i * 0.5 + 0.5) for i in range(40)]
    cues = cues_from_words(words)
    assert_well_formed(cues)
    assert all(c.end - c.start <= 6.0 + 1e-9 for c in cues)


def test_no_words_no_cues():
    assert cues_from_words([]) == []
    assert to_srt([]) == ""
    assert to_vtt([]) == "WEBVTT\n"


def test_srt_is_exact():
    cues = [Cue(1.2344, 2.5, ["Hello there,", "friend."]), Cue(3661.0005, 3662.9999, ["Bye --> now"])]
    assert to_srt(cues) == (
        "1\n00:00:01,234 --> 00:00:02,500\nHello there,\nfriend.\n"
        "\n"
        "2\n01:01:01,000 --> 01:01:03,000\nBye -> now\n"
    )


def test_vtt_is_exact_and_escaped():
    cues = [Cue(0.0, 1.5, ["Fish & chips <3"]), Cue(61.25, 62.0, ["Next"])]
    assert to_vtt(cues) == (
        "WEBVTT\n"
        "\n"
        "00:00:00.000 --> 00:00:01.500\nFish &amp; chips &lt;3\n"
        "\n"
        "00:01:01.250 --> 00:01:02.000\nNext\n"
    )


def test_written_srt_parses_back_to_the_same_cues(tmp_path):
    cues = cues_from_words(timed(SCRIPT))
    path = tmp_path / "exports" / "captions.srt"
    write_captions(path, cues)
    blocks = path.read_text(encoding="utf-8").strip().split("\n\n")
    assert len(blocks) == len(cues)
    for n, (block, cue) in enumerate(zip(blocks, cues), start=1):
        number, timing, *lines = block.split("\n")
        assert number == str(n)
        assert re.fullmatch(r"\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}", timing)
        assert lines == cue.lines
    assert [p.name for p in path.parent.iterdir()] == ["captions.srt"]  # no temporary left behind


def test_write_captions_picks_the_format_from_the_name_or_refuses(tmp_path):
    cues = [Cue(0.0, 1.0, ["Hi"])]
    write_captions(tmp_path / "a.vtt", cues)
    assert (tmp_path / "a.vtt").read_text(encoding="utf-8").startswith("WEBVTT\n\n00:00:00.000")
    write_captions(tmp_path / "b.txt", cues, fmt="SRT")
    assert (tmp_path / "b.txt").read_text(encoding="utf-8").startswith("1\n00:00:00,000")
    with pytest.raises(StudioError, match=r"\.srt or \.vtt"):
        write_captions(tmp_path / "c.txt", cues)


def test_an_hour_of_words_is_captioned_quickly():
    import time

    words = timed(SCRIPT * 300)  # about 9,000 words
    started = time.perf_counter()
    cues = cues_from_words(words)
    assert time.perf_counter() - started < 3.0
    assert_well_formed(cues)
