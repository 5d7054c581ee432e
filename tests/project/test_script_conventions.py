"""Scripts as creators write them: titles, scene markers, speaker labels, directions."""

from __future__ import annotations

import pytest

from studio.project.conventions import scene_label, scene_marker, scene_name, speaker_label, spoken_text
from studio.project.lines import LineBook, attach_ids, payload
from studio.project.script import ScriptDocument

PLAIN = """TITLE: The Keeper of Nyhavn Light

[HOOK]
NARRATOR: Nobody climbs the lighthouse twice. (beat) Nobody but Ida.

[SCENE 1 - The escape artist]
NARRATOR:
She left the harbour at dawn (pause) and did not look back.
(music swells)

SCENE 2:
Host: There are 1,200 steps between the harbour wall and the lamp room.

(beat)

[OUTRO]
Thanks for watching (the whole way through).
"""


@pytest.mark.parametrize("kind", ["md", "txt"])
def test_markers_are_structure_and_never_spoken(kind):
    doc = ScriptDocument.parse(PLAIN, kind)
    assert doc.render() == PLAIN
    assert doc.title() == "The Keeper of Nyhavn Light"
    assert doc.scene_titles() == ["HOOK", "SCENE 1 - The escape artist", "SCENE 2", "OUTRO"]
    spoken = [spoken_text(t) for t in doc.line_texts()]
    assert spoken == [
        "Nobody climbs the lighthouse twice. Nobody but Ida.",  # a full stop is pause enough
        "She left the harbour at dawn… and did not look back.",
        "There are 1,200 steps between the harbour wall and the lamp room.",
        "Thanks for watching (the whole way through).",
    ]
    for text in spoken:
        for marker in ("TITLE", "HOOK", "SCENE", "OUTRO", "NARRATOR", "Host:", "beat", "pause", "music"):
            assert marker not in text
    assert [len(s.lines) for s in doc.scenes()] == [1, 1, 1, 1]


@pytest.mark.parametrize("kind", ["md", "txt"])
def test_editing_a_labelled_line_keeps_the_label_and_everything_else(kind):
    doc = ScriptDocument.parse(PLAIN, kind)
    doc.set_line_text(2, "There are twelve hundred steps.")
    assert doc.render() == PLAIN.replace(
        "Host: There are 1,200 steps between the harbour wall and the lamp room.",
        "Host: There are twelve hundred steps.",
    )
    doc.set_line_text(1, "She left.")
    assert "NARRATOR:\nShe left.\n(music swells)" not in doc.render()  # the paragraph is rewritten as one line
    assert "NARRATOR:\nShe left.\n\nSCENE 2:" in doc.render()
    reparsed = ScriptDocument.parse(doc.render(), kind)
    assert reparsed.line_texts() == doc.line_texts()
    assert reparsed.scene_titles() == doc.scene_titles()


def test_a_markdown_title_is_the_script_title_not_a_scene():
    text = "# The Keeper of Nyhavn Light\n\n## Scene 1: Arrival at the harbour\n\nOne.\n\n## Scene 2: The climb\n\nTwo.\n"
    doc = ScriptDocument.parse(text, "md")
    assert doc.render() == text
    assert doc.title() == "The Keeper of Nyhavn Light"
    assert doc.scene_titles() == ["Scene 1: Arrival at the harbour", "Scene 2: The climb"]
    assert [scene_label(n, t) for n, t in enumerate(doc.scene_titles(), 1)] == doc.scene_titles()
    assert scene_name(doc.scene_titles()[0]) == "Arrival at the harbour"
    assert scene_label(3, "The lamp room") == "Scene 3: The lamp room"
    # Several level-1 headings, or words before the first one: they are scenes, as before.
    assert ScriptDocument.parse("# A\n\none\n\n# B\n\ntwo\n", "md").scene_titles() == ["A", "B"]
    assert ScriptDocument.parse("intro\n\n# A\n\n## B\n\ntwo\n", "md").scene_titles() == ["", "A", "B"]
    # A single heading over the whole script stays its one scene.
    assert ScriptDocument.parse("# Only\n\none\n", "md").scene_titles() == ["Only"]


def test_a_project_that_counted_its_title_as_a_scene_keeps_that_scenes_id():
    text = "# Keeper\n\nIntro line.\n\n## Scene 1\n\nOne.\n"
    doc = ScriptDocument.parse(text, "md")
    old = {"lines": [{"id": "l1", "text": "Intro line."}, {"id": "l2", "text": "One."}],
           "scenes": [{"id": "s-title", "title": "Keeper"}, {"id": "s1", "title": "Scene 1"}]}
    attach_ids(doc, LineBook.from_payload(old))
    assert doc.scene_ids() == ["s-title", "s1"] and doc.line_ids() == ["l1", "l2"]
    assert payload(doc, {}, ())["scenes"][0] == {"id": "s-title", "title": ""}


@pytest.mark.parametrize(
    "line, marker",
    [
        ("[SCENE 1 - The escape artist]", "SCENE 1 - The escape artist"),
        ("[HOOK]", "HOOK"), ("[Intro]", "Intro"), ("[OUTRO]", "OUTRO"), ("SCENE 3:", "SCENE 3"),
        ("Scene 3 - Arrival", "Scene 3 - Arrival"), ("Part two: the storm", "Part two: the storm"),
        ("HOOK:", "HOOK"), ("INTRO", "INTRO"), ("[Cold open]", "Cold open"),
        ("Scene 3 was the best part of the film.", None), ("intro", None), ("[a] and [b]", None),
        ("The hook is simple: ask a question.", None), ("[Music swells]", None),
    ],
)
def test_scene_markers(line, marker):
    assert scene_marker(line) == marker


@pytest.mark.parametrize(
    "text, label",
    [
        ("NARRATOR: Hello.", "NARRATOR: "), ("NARRATOR (V.O.): Hello.", "NARRATOR (V.O.): "),
        ("Narrator: Hello.", "Narrator: "), ("DR. SMITH: Hello.", "DR. SMITH: "), ("V.O.: Hi", "V.O.: "),
        ("Note: this is spoken.", ""), ("TITLE: x", ""), ("Ida: hello", ""), ("At 10:30 we left.", ""),
        ("The rule: never climb alone.", ""),
    ],
)
def test_speaker_labels(text, label):
    assert text[: speaker_label(text)] == label


@pytest.mark.parametrize(
    "text, spoken",
    [
        ("Wait (beat) for it.", "Wait… for it."),
        ("Wait. (long pause) Now.", "Wait. Now."),
        ("(beat) First.", "First."),
        ("She smiled [laughs] and went on.", "She smiled and went on."),
        ("The keeper (an old sailor) waved.", "The keeper (an old sailor) waved."),
        ("[a] and [b] are both spoken.", "[a] and [b] are both spoken."),
        ("See [the docs](https://example.org).", "See [the docs](https://example.org)."),
    ],
)
def test_directions_inside_a_line(text, spoken):
    assert spoken_text(text) == spoken
