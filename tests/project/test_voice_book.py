"""The pronunciation dictionary and named voice blends: undoable, stored, matched as whole words."""

from __future__ import annotations

import json

import pytest

from studio.errors import ProjectError
from studio.project.project import Project
from studio.project.voicebook import BLENDS_FILE, PRONUNCIATION_FILE, entries_used


def _line(project, words):
    return next(line.id for line in project.lines if words in line.text)


def test_an_entry_is_stored_at_once_and_undo_takes_it_back(scripted):
    project = Project.open(scripted)
    project.set_pronunciation("Twist", "/twˈɪst/")
    assert project.pronunciations() == {"twist": "/twˈɪst/"}
    stored = json.loads((scripted / PRONUNCIATION_FILE).read_text("utf-8"))
    assert stored["entries"] == {"twist": "/twˈɪst/"}
    assert project.undo_label == "Set pronunciation"
    project.undo()
    assert project.pronunciations() == {}
    assert json.loads((scripted / PRONUNCIATION_FILE).read_text("utf-8"))["entries"] == {}
    project.redo()
    project.set_pronunciation("twist", None)
    assert project.pronunciations() == {}
    project.undo()
    project.close()
    assert Project.open(scripted).pronunciations() == {"twist": "/twˈɪst/"}


def test_a_line_uses_only_the_entries_it_says(scripted):
    project = Project.open(scripted)
    project.set_pronunciation("twist", "TWIHST")
    project.set_pronunciation("middle", "/mˈɪdᵊl/")
    assert project.pronunciations_used(_line(project, "twist")) == (("twist", "TWIHST"),)
    assert project.pronunciations_used(_line(project, "middle part")) == (("middle", "/mˈɪdᵊl/"),)
    assert project.pronunciations_used(_line(project, "Thanks")) == ()


def test_words_match_whole_in_any_case_beside_punctuation():
    entries = {"kokoro": "KOH-koh-roh", "new york": "/nu jˈɔɹk/"}
    assert entries_used("Hello, KOKORO!", entries) == (("kokoro", "KOH-koh-roh"),)
    assert entries_used("(kokoro's voice)", entries) == (("kokoro", "KOH-koh-roh"),)
    assert entries_used("Kokorolike and kokoros", entries) == ()
    assert entries_used("In New\nYork.", entries) == (("new york", "/nu jˈɔɹk/"),)


def test_an_empty_pronunciation_is_refused_with_a_sentence(scripted):
    project = Project.open(scripted)
    with pytest.raises(ProjectError, match="Say how to pronounce"):
        project.set_pronunciation("twist", "  ")
    with pytest.raises(ProjectError, match="word with letters"):
        project.set_pronunciation("...", "x")


def test_a_line_can_name_a_blend_and_renders_its_spec(scripted):
    project = Project.open(scripted)
    project.save_blend("Warm", "af_heart:0.7, am_adam:0.3")
    assert project.blends() == {"Warm": "af_heart:0.7,am_adam:0.3"}
    line = _line(project, "twist")
    project.set_line_voice(line, "Warm")
    assert project.voice_of(line) == "Warm"
    assert project.voice_spec_of(line) == "af_heart:0.7,am_adam:0.3"
    project.rename_blend("Warm", "Cosy")
    assert project.voice_of(line) == "Cosy" and project.voice_spec_of(line) == "af_heart:0.7,am_adam:0.3"
    project.undo()
    assert project.blends() == {"Warm": "af_heart:0.7,am_adam:0.3"} and project.voice_of(line) == "Warm"
    assert json.loads((scripted / BLENDS_FILE).read_text("utf-8"))["blends"] == {"Warm": "af_heart:0.7,am_adam:0.3"}
    project.close()
    assert Project.open(scripted).blends() == {"Warm": "af_heart:0.7,am_adam:0.3"}


@pytest.mark.parametrize("name, spec", [("a:b", "af_heart"), ("Warm", "af_heart:-1"), ("Warm", ""), ("", "af_heart")])
def test_a_bad_blend_is_refused(scripted, name, spec):
    with pytest.raises(ProjectError):
        Project.open(scripted).save_blend(name, spec)
