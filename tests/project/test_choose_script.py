"""Which file is the script: the one that reads like a script, else the creator says, once."""

from __future__ import annotations

import pytest

from studio.errors import ProjectError
from studio.project.folder import script_likeness
from studio.project.manifest import Manifest
from studio.project.project import Project, ScriptChoiceNeeded

from project_helpers import file_hashes

EPISODE = """# The Keeper of Nyhavn Light

## Scene 1: Arrival at the harbour

The ferry came in late, and the harbour was already dark when Ida stepped onto the quay.

## Scene 2: The climb

There are 1,200 steps between the harbour wall and the lamp room, or so the locals like to say.
"""
NOTES = "- check the ferry times\n- ask about Nyhavn\n- music: something calm\n"


def test_the_file_that_reads_like_a_script_wins_over_notes(folder):
    (folder / "episode-03.md").write_text(EPISODE)
    (folder / "notes.txt").write_text(NOTES)
    before = file_hashes(folder)
    assert script_likeness("episode-03.md", EPISODE) > script_likeness("notes.txt", NOTES) + 3
    project = Project.open(folder)
    assert project.script_path.name == "episode-03.md"
    assert project.title == "The Keeper of Nyhavn Light"
    assert [s.title for s in project.scenes] == ["Scene 1: Arrival at the harbour", "Scene 2: The climb"]
    project.close()
    assert Manifest.load(folder).script == "episode-03.md"
    assert {k: v for k, v in file_hashes(folder).items() if k in before} == before


def test_when_it_cannot_choose_the_sentence_names_the_candidates_and_the_option(folder):
    (folder / "take one.md").write_text(EPISODE)
    (folder / "take-two.md").write_text(EPISODE.replace("late", "early"))
    with pytest.raises(ScriptChoiceNeeded) as caught:
        Project.open(folder)
    message = str(caught.value)
    assert "take one.md" in message and "take-two.md" in message
    assert '--script "take one.md"' in message and "--script take-two.md" in message
    assert not (folder / ".stitch").exists()


def test_word_and_fountain_scripts_are_read_and_never_written(folder):
    import docx

    document = docx.Document()
    document.add_paragraph("The Keeper", style="Title")
    document.add_heading("Arrival", level=1)
    document.add_paragraph("NARRATOR: The ferry came in late.")
    document.add_paragraph("(beat)")
    document.add_heading("The climb", level=1)
    document.add_paragraph("There are 1,200 steps.")
    document.save(folder / "episode.docx")
    before = file_hashes(folder)
    project = Project.open(folder)
    assert project.title == "The Keeper"
    assert [s.title for s in project.scenes] == ["Arrival", "The climb"]
    assert [project.spoken(line.id) for line in project.lines] == ["The ferry came in late.", "There are 1,200 steps."]
    with pytest.raises(ProjectError, match="written only by the app it comes from"):
        project.edit_line(project.lines[0].id, "Changed.")
    project.set_line_speed(project.lines[0].id, 1.1)  # the studio's own notes are still the studio's
    project.save()
    project.close()
    assert file_hashes(folder)["episode.docx"] == before["episode.docx"]


FOUNTAIN = """Title: Harbour Lights
Author: Someone

INT. LIGHTHOUSE - NIGHT

Ida climbs the last of the steps.

IDA
(out of breath)
Twelve hundred. Every single one.

CUT TO:

EXT. QUAY - DAY

[[a note for the editor]]

KEEPER (V.O.)
Nobody climbs it twice.
"""


def test_a_fountain_screenplay_is_narrated_dialogue_and_action(folder):
    (folder / "harbour.fountain").write_text(FOUNTAIN)
    project = Project.open(folder)
    assert project.title == "Harbour Lights"
    assert [s.title for s in project.scenes] == ["INT. LIGHTHOUSE - NIGHT", "EXT. QUAY - DAY"]
    assert [project.spoken(line.id) for line in project.lines] == [
        "Ida climbs the last of the steps.", "Twelve hundred. Every single one.", "Nobody climbs it twice.",
    ]
    project.close()
    assert (folder / "harbour.fountain").read_text() == FOUNTAIN
