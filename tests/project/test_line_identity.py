"""match_lines: a line keeps its id through rewording, reorders, insertions and deletions."""

from __future__ import annotations

import random

from studio.project.identity import match_lines, new_id


def test_identical_text_keeps_its_id_wherever_it_moved():
    old = [("a", "First line."), ("b", "Second line."), ("c", "Third line.")]
    assert match_lines(old, ["Third line.", "First line.", "Second line."]) == ["c", "a", "b"]


def test_duplicates_pair_up_in_order():
    old = [("a", "Yes."), ("b", "No."), ("c", "Yes.")]
    assert match_lines(old, ["Yes.", "Yes.", "Yes."]) == ["a", "c", None]
    assert match_lines(old, ["No.", "Yes."]) == ["b", "a"]


def test_a_reworded_line_keeps_its_id_and_a_new_one_gets_none():
    old = [("a", "The quick brown fox jumps over the lazy dog."), ("b", "Completely different words here.")]
    new = ["Brand new sentence about rockets.", "The quick brown fox leaps over the lazy dog!"]
    assert match_lines(old, new) == [None, "a"]


def test_too_different_is_a_new_line():
    assert match_lines([("a", "Hello there, friend.")], ["Goodbye, stranger."]) == [None]


def test_the_best_match_wins_and_ties_go_to_the_nearest_position():
    old = [("a", "Line number one"), ("b", "Line number two")]
    # Both old lines are equally like this text; the one at the same position gets it.
    assert match_lines(old, ["Something else entirely", "Line number six"]) == [None, "b"]
    # The closer match wins even when it is further away.
    old = [("a", "We begin with a question."), ("b", "We begin with a question about cost.")]
    assert match_lines(old, ["We begin with a question about costs."]) == ["b"]


def test_insertions_and_deletions_leave_the_others_alone():
    old = [(f"id{i}", f"This is spoken line number {i} of the script.") for i in range(10)]
    new = [t for _, t in old]
    del new[3]
    new.insert(5, "A brand new thought, inserted.")
    new[7] = new[7].replace("spoken", "narrated")
    result = match_lines(old, new)
    assert result[5] is None
    assert "id3" not in result
    assert new[7].startswith("This is narrated line number 7")
    assert result[7] == "id7"  # reworded, same id
    assert [r for r in result if r] == [f"id{i}" for i in range(10) if i != 3]


def test_the_answer_is_always_the_same():
    rng = random.Random(7)
    words = "alpha beta gamma delta epsilon zeta eta theta iota kappa".split()
    old = [(f"id{i}", " ".join(rng.choices(words, k=8))) for i in range(200)]
    new = [t if i % 3 else t + " extra" for i, (_, t) in enumerate(old)]
    rng.shuffle(new)
    first = match_lines(old, new)
    assert all(match_lines(old, new) == first for _ in range(3))
    assert len([r for r in first if r]) == len(set(r for r in first if r))


def test_two_thousand_edited_and_moved_lines_keep_their_ids():
    rng = random.Random(1)
    vocabulary = [
        "local", "models", "render", "every", "draft", "line", "voice", "premium", "studio", "creator",
        "script", "scene", "timeline", "export", "caption", "music", "image", "budget", "quality", "take",
    ]
    old = [(new_id(), f"{i}: " + " ".join(rng.choices(vocabulary, k=12))) for i in range(2000)]
    new = []
    for i, (_, text) in enumerate(old):
        if i % 2:
            text = text.replace(" ", "  ", 2) + " now reworded"
        new.append(text)
    # Some lines moved a little, as after cutting and pasting paragraphs.
    for i in range(0, 2000, 50):
        new[i], new[i + 7] = new[i + 7], new[i]
    result = match_lines(old, new)  # its speed is measured in tests/benchmarks/project_bench.py
    expected = {text: line_id for line_id, text in old}
    kept = sum(1 for j, text in enumerate(new) if result[j] == expected.get(text.replace("  ", " ").removesuffix(" now reworded")))
    assert kept >= 1990
