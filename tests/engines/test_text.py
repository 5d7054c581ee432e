"""Sentences, speakable text and phoneme chunks: the pure text side of the speech engines."""

from __future__ import annotations

import pytest

from studio.engines.g2p import choose_g2p
from studio.engines.text import chunk_phonemes, has_speech, speakable_text, spell_out, split_sentences


def test_sentences_split_at_stops_and_line_breaks_but_not_after_abbreviations():
    text = 'Dr. Smith went home. He said "Hi!" Then J. R. R. Tolkien wrote, e.g. this... Really?\nA new line'
    assert split_sentences(text) == [
        "Dr. Smith went home.",
        'He said "Hi!"',
        "Then J. R. R. Tolkien wrote, e.g. this...",
        "Really?",
        "A new line",
    ]


def test_sentences_keep_decimals_and_skip_blank_text():
    assert split_sentences("It costs 3.50 today. Fine") == ["It costs 3.50 today.", "Fine"]
    assert split_sentences("  \n\n  ") == []


def test_speakable_text_drops_emoji_and_scripts_an_english_voice_cannot_read():
    assert speakable_text("Hello 😀 world! 👍🏽") == "Hello world!"
    assert speakable_text("مرحبا Hello שלום") == "Hello"
    assert speakable_text("Café naïve — “quoted” £5 ½") == "Café naïve — “quoted” £5 ½"
    assert speakable_text("你好。再见！") == ". !"


def test_money_numbers_times_and_abbreviations_are_spelled_for_the_phonemizer():
    assert spell_out("$5.50, $1 and £2.05") == "5 dollars and 50 cents, 1 dollar and 2 pounds and 5 pence"
    assert spell_out("1,000,000 people, pi is 3.14.") == "1000000 people, pi is 3 point 1 4."
    assert spell_out("At 10:30, 7:05 or 9:00 p.m.") == "At 10 30, 7 oh 5 or 9 o'clock pm"
    assert spell_out("Dr. Who, e.g. Mrs. Smith") == "Dr Who, for example Mrs Smith"


def test_has_speech_ignores_stress_marks_and_punctuation():
    assert has_speech("həlˈO")
    assert not has_speech("ˈˌː ...!? —")


def test_short_phonemes_are_one_chunk():
    assert chunk_phonemes("həlˈO wˈɜɹld.") == ["həlˈO wˈɜɹld."]
    assert chunk_phonemes("   ") == []


def test_chunks_prefer_sentence_then_clause_punctuation():
    a, b, c = "a" * 200, "b" * 200, "c" * 200
    assert chunk_phonemes(f"{a}, {b}. {c}", limit=450) == [f"{a}, {b}.", c]
    assert chunk_phonemes(f"{a}, {b} {c}", limit=450) == [f"{a},", f"{b} {c}"]


def test_a_word_longer_than_the_limit_is_cut():
    chunks = chunk_phonemes("x" * 1200, limit=500)
    assert [len(c) for c in chunks] == [500, 500, 200]


@pytest.mark.parametrize("unit", [
    "The quick brown fox, jumping high, leaps over the lazy dog and runs away ",  # clauses, no stops
    "word ",  # nothing but spaces to cut at
])
def test_a_20000_character_line_is_cut_into_pieces_the_model_accepts(unit):
    line = (unit * (20000 // len(unit) + 1))[:20000]
    phonemes = choose_g2p().phonemize(line)
    chunks = chunk_phonemes(phonemes, limit=500)
    assert len(chunks) > 20
    assert max(len(c) for c in chunks) <= 500
    assert " ".join(chunks) == " ".join(phonemes.split())  # nothing lost, nothing added
