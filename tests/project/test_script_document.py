"""ScriptDocument: scenes and lines out of Markdown or plain text, and the text back unchanged."""

from __future__ import annotations

import pytest

from studio.errors import ProjectError
from studio.project.script import ScriptDocument

RICH = """---
title: Episode 4
tags: [a, b]
---
An opening line
that wraps onto a second line.

# Scene one #

![A chart](images/chart.png)

[Music swells, then fades]

Spoken line one.
<!-- note to self:
check this number -->

```python
print("not spoken")

still code
```

* * *

## Scene two

[a] and [b] are both spoken.

See [the docs](https://example.org) for more.
Trailing spaces here   \n\n\n"""


def test_an_unchanged_document_renders_exactly_the_original():
    for text in (RICH, "", "\n\n", "no newline at the end", "# Only a heading", "a\r\nb\r\n\r\nc"):
        assert ScriptDocument.parse(text, "md").render() == text
        assert ScriptDocument.parse(text, "txt").render() == text


def test_markdown_is_split_into_scenes_and_spoken_lines():
    doc = ScriptDocument.parse(RICH, "md")
    assert doc.scene_titles() == ["", "Scene one", "Scene two"]
    assert doc.line_texts() == [
        "An opening line that wraps onto a second line.",
        "Spoken line one.",
        "[a] and [b] are both spoken.",
        "See [the docs](https://example.org) for more. Trailing spaces here",
    ]
    scenes = doc.scenes()
    assert [len(s.lines) for s in scenes] == [1, 1, 2]
    assert all(line.scene_id == scene.id for scene in scenes for line in scene.lines)
    kinds = [b.kind for b in doc._blocks if b.kind != "blank"]
    assert kinds == [
        "front_matter", "line", "heading", "image", "direction", "line", "comment", "code", "rule",
        "heading", "line", "line",
    ]


def test_a_heading_first_document_has_no_untitled_scene():
    doc = ScriptDocument.parse("## A\n\none\n\n## B\ntwo\n", "md")
    assert doc.scene_titles() == ["A", "B"]
    assert doc.line_texts() == ["one", "two"]
    # A lone `# A` above `## B` is the script's title: its lines open an untitled scene.
    doc = ScriptDocument.parse("# A\n\none\n\n## B\ntwo\n", "md")
    assert doc.title() == "A" and doc.scene_titles() == ["", "B"]


def test_changing_one_line_changes_only_its_block():
    doc = ScriptDocument.parse(RICH, "md")
    doc.set_line_text(1, "Spoken line one, reworded.")
    assert doc.render() == RICH.replace("Spoken line one.\n", "Spoken line one, reworded.\n")
    # Setting the same text again keeps even the original line break of a wrapped paragraph.
    doc.set_line_text(0, "An opening line that wraps onto a second line.")
    assert "An opening line\nthat wraps" in doc.render()


def test_a_plain_text_script_is_one_scene_of_paragraphs():
    text = "# not a heading\n\n[not a direction]\nstill the same line\n\n---\n"
    doc = ScriptDocument.parse(text, "txt")
    assert doc.scene_titles() == [""]
    assert doc.line_texts() == ["# not a heading", "[not a direction] still the same line", "---"]
    with pytest.raises(ProjectError, match="rename it to .md"):
        doc.add_scene("Intro")
    assert doc.render() == text


def test_a_new_line_with_blank_lines_inside_stays_one_paragraph():
    doc = ScriptDocument.parse("# A\n\none\n\n# B\n\ntwo\n", "md")
    index = doc.insert_line(0, "first part\n\n\nsecond part\nthird", 0)
    assert index == 1
    assert doc.line_texts() == ["one", "first part second part third", "two"]
    reparsed = ScriptDocument.parse(doc.render(), "md")
    assert reparsed.line_texts() == doc.line_texts()
    assert reparsed.scene_titles() == ["A", "B"]


def test_inserted_lines_and_scenes_land_where_asked():
    doc = ScriptDocument.parse("---\nx: 1\n---\n# A\none\n# B\n", "md")
    assert doc.insert_line(None, "top of A", 0) == 0  # before the first line, even with no blank line around
    assert doc.insert_line(None, "first of B", 1) == 2  # B has no lines: right after its heading
    assert doc.add_scene("Between", 0) == 1
    assert doc.insert_line(None, "in between", 1) == 2
    assert doc.add_scene("Last") == 3
    doc.insert_line(None, "the end", 3)
    rendered = doc.render()
    assert rendered.startswith("---\nx: 1\n---\n# A\n\ntop of A\n\none\n")
    reparsed = ScriptDocument.parse(rendered, "md")
    assert reparsed.scene_titles() == ["A", "Between", "B", "Last"]
    assert reparsed.line_texts() == ["top of A", "one", "in between", "first of B", "the end"]
    assert [len(s.lines) for s in doc.scenes()] == [2, 1, 1, 1]


def test_a_new_scene_takes_the_level_of_the_scene_before_it():
    doc = ScriptDocument.parse("# Title\n\n## Part one\n\nline\n", "md")
    doc.add_scene("Part two")
    assert doc.render().endswith("line\n\n## Part two\n")


def test_inserting_into_an_empty_document_and_after_a_last_line_without_newline():
    doc = ScriptDocument.parse("", "md")
    assert doc.scene_titles() == [""] and doc.line_texts() == []
    doc.insert_line(None, "hello", 0)
    assert doc.render() == "hello\n"

    doc = ScriptDocument.parse("last line", "txt")
    doc.insert_line(0, "after it", 0)
    assert doc.render() == "last line\n\nafter it\n"
    doc.set_line_text(0, "changed")
    assert doc.render() == "changed\n\nafter it\n"


def test_the_files_line_endings_are_used_for_new_lines():
    doc = ScriptDocument.parse("# A\r\n\r\none\r\n", "md")
    doc.insert_line(0, "two", 0)
    doc.add_scene("B")
    assert doc.render() == "# A\r\n\r\none\r\n\r\ntwo\r\n\r\n# B\r\n"


def test_removing_lines_leaves_no_gaps_and_no_merged_paragraphs():
    doc = ScriptDocument.parse("a\n\nb\n\nc\n", "txt")
    doc.remove_line(1)
    assert doc.render() == "a\n\nc\n"
    doc.remove_line(1)
    assert doc.render() == "a\n"
    doc = ScriptDocument.parse("x\n\ny\n", "txt")
    doc.insert_line(0, "", 0)
    doc.insert_line(1, "", 0)
    doc.set_line_text(2, "between")
    doc.remove_line(1)
    assert ScriptDocument.parse(doc.render(), "txt").line_texts() == ["x", "between", "y"]


def test_an_empty_line_is_kept_in_memory_but_writes_nothing():
    doc = ScriptDocument.parse("a\n\nb\n", "txt")
    doc.insert_line(0, "", 0)
    assert doc.line_texts() == ["a", "", "b"]
    assert ScriptDocument.parse(doc.render(), "txt").line_texts() == ["a", "b"]
    doc.set_line_text(1, "now spoken")
    assert ScriptDocument.parse(doc.render(), "txt").line_texts() == ["a", "now spoken", "b"]


@pytest.mark.parametrize(
    "text",
    [
        "Say it with feeling 🎬✨ — and 👩🏽‍💻 too.",
        "مرحبا بكم في الاستوديو",
        "שלום, זה קו בעברית עם English inside.",
        "word " * 4000 + "end",
    ],
)
def test_emoji_right_to_left_and_very_long_lines_survive(text):
    original = f"# Scene\n\n{text}\n\nafter\n"
    doc = ScriptDocument.parse(original, "md")
    assert doc.render() == original
    assert doc.line_texts()[0] == text.strip()
    doc.set_line_text(1, text)
    assert ScriptDocument.parse(doc.render(), "md").line_texts() == [text.strip(), text]


def test_a_long_line_of_twenty_thousand_characters_round_trips():
    line = ("abcdefghij" * 2000)
    assert len(line) == 20_000
    doc = ScriptDocument.parse(line + "\n", "md")
    assert doc.line_texts() == [line] and doc.render() == line + "\n"


def test_directions_need_one_pair_of_brackets_around_the_whole_paragraph():
    doc = ScriptDocument.parse("[pause]\n\n[a [nested] direction]\n\n[a] b [c]\n\n[link](x)\n", "md")
    assert doc.line_texts() == ["[a] b [c]", "[link](x)"]


def test_an_unclosed_fence_or_front_matter_is_not_lost():
    text = "---\nnot closed\n\nline\n\n```\ncode to the end\n\nmore"
    doc = ScriptDocument.parse(text, "md")
    assert doc.render() == text
    assert doc.line_texts() == ["not closed", "line"]


def test_copies_are_independent_snapshots():
    doc = ScriptDocument.parse("a\n\nb\n", "txt")
    snapshot = doc.copy()
    doc.set_line_text(0, "changed")
    doc.remove_line(1)
    assert snapshot.render() == "a\n\nb\n"
    assert snapshot.line_ids() != [] and snapshot.line_ids()[0] == doc.line_ids()[0]
