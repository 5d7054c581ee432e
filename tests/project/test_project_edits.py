"""Project: lines and scenes, per-line settings, takes and states, undo, observers."""

from __future__ import annotations

import pytest
from project_helpers import make_take

from studio.errors import ProjectError
from studio.project.manifest import Manifest
from studio.project.project import Project


@pytest.fixture
def project(scripted):
    opened = Project.open(scripted)
    yield opened
    opened.close()


def test_views_of_lines_and_scenes(project):
    first, second, middle, end = project.lines
    assert project.line(middle.id).text == "The middle part explains things."
    assert project.scene_of(second.id).title == "Opening"
    assert project.scene_of(end.id).id == project.scenes[2].id
    with pytest.raises(ProjectError, match="no longer in the script"):
        project.line("not-an-id")


def test_typing_in_a_line_is_one_undo_step_and_marks_the_project_dirty(project):
    line = project.lines[0]
    for text in ("F", "Fi", "Fir", "First, rewritten."):
        project.edit_line(line.id, text)
    assert project.dirty and project.undo_label == "Edit line"
    assert project.line(line.id).text == "First, rewritten."
    project.undo()
    assert project.line(line.id).text == "First line of the video." and not project.dirty
    assert not project.can_undo and project.can_redo and project.redo_label == "Edit line"
    project.redo()
    assert project.line(line.id).text == "First, rewritten."


def test_a_line_text_with_blank_lines_becomes_one_paragraph(project):
    line = project.lines[1]
    project.edit_line(line.id, "One thought\n\ncontinues\r\nhere")
    assert project.line(line.id).text == "One thought continues here"
    project.save()
    assert "One thought continues here\n" in project.script_path.read_text()
    assert len(Project.open(project.folder).lines) == 4


def test_voice_and_speed_belong_to_the_line_and_default_to_the_project(project):
    line, other = project.lines[0], project.lines[1]
    project.manifest.voice = "af_heart"
    assert project.voice_of(line.id) == "af_heart" and project.line_voice(line.id) is None
    project.set_line_voice(line.id, "bm_george")
    project.set_line_speed(line.id, 1.5)
    assert (project.voice_of(line.id), project.speed_of(line.id)) == ("bm_george", 1.5)
    assert (project.voice_of(other.id), project.speed_of(other.id)) == ("af_heart", 1.0)
    with pytest.raises(ProjectError, match="between 0.5 and 2.0"):
        project.set_line_speed(line.id, 3)
    with pytest.raises(ProjectError, match="between 0.5 and 2.0"):
        project.set_line_speed(line.id, "fast")
    assert project.undo_label == "Change speed"
    project.undo()
    assert project.line_speed(line.id) is None and project.line_voice(line.id) == "bm_george"
    project.set_line_voice(line.id, None)
    assert project.line_voice(line.id) is None

    project.set_line_voice(other.id, "bf_emma")
    project.save()
    script = project.script_path.read_text()
    assert "bf_emma" not in script  # the studio's data never goes into the script
    assert Project.open(project.folder).line_voice(other.id) == "bf_emma"


def test_inserting_deleting_and_adding_scenes(project):
    first, second, middle, end = project.lines
    top = project.insert_line(None, "Before everything.")
    after = project.insert_line(second.id, "After the twist.")
    into_end = project.insert_line(None, "Opening the end.", scene_id=project.scenes[2].id)
    scene = project.add_scene("Credits")
    credit = project.insert_line(None, "Made with Stitch Studio.", scene_id=scene)
    between = project.add_scene("Interlude", after_scene_id=project.scenes[0].id)
    assert [s.title for s in project.scenes] == ["Opening", "Interlude", "Middle", "End", "Credits"]
    assert [line.id for line in project.lines] == [top, first.id, second.id, after, middle.id, into_end, end.id, credit]
    assert project.scenes[1].id == between and project.scenes[1].lines == []
    project.delete_line(second.id)
    assert second.id not in [line.id for line in project.lines]
    project.save()
    reopened = Project.open(project.folder)
    assert [line.id for line in reopened.lines] == [top, first.id, after, middle.id, into_end, end.id, credit]
    assert [s.id for s in reopened.scenes] == [s.id for s in project.scenes]
    for _ in range(7):
        project.undo()
    assert [line.id for line in project.lines] == [first.id, second.id, middle.id, end.id]
    with pytest.raises(ProjectError, match="no longer in the script"):
        project.insert_line(None, "x", scene_id="missing")


def test_a_plain_text_script_has_no_scenes(folder):
    (folder / "talk.txt").write_text("One.\n\nTwo.\n")
    project = Project.open(folder)
    with pytest.raises(ProjectError, match="rename it to .md"):
        project.add_scene("Intro")
    assert not project.can_undo and not project.dirty


def test_an_empty_line_has_no_state_and_is_not_written(project):
    new = project.insert_line(project.lines[0].id)
    assert project.line(new).text == "" and project.line_state(new, "any-key") == "none"
    project.save()
    assert "\n\n\n\n" not in project.script_path.read_text()
    assert len(Project.open(project.folder).lines) == 4


def test_line_states_follow_takes_keys_and_failures(project):
    line = project.lines[0]
    assert project.line_state(line.id, "k1") == "none"
    project.set_failed(line.id, "Kokoro weights are missing.")
    assert project.line_state(line.id, "k1") == "failed" and project.failure(line.id).startswith("Kokoro")
    take = make_take(project, line.id, "k1")
    project.add_take(take)
    assert project.failure(line.id) is None
    assert project.chosen_take(line.id) == take and project.line_state(line.id, "k1") == "draft"
    assert project.line_state(line.id, "k2") == "stale"
    project.set_failed(line.id, "Out of memory.")
    assert project.line_state(line.id, "k2") == "failed" and project.line_state(line.id, "k1") == "draft"


def test_before_the_engine_is_warm_a_take_of_the_same_words_is_not_shown_stale(project):
    line = project.lines[0]
    project.add_take(make_take(project, line.id, "k1"))
    assert project.line_state(line.id, None) == "draft"  # no current key yet: not flashed as stale
    project.edit_line(line.id, "Other words now.")
    assert project.line_state(line.id, None) == "stale"


def test_a_new_take_is_chosen_as_an_undoable_step(project):
    line = project.lines[0]
    first = make_take(project, line.id, "k1", created="2025-01-01T00:00:01+00:00")
    second = make_take(project, line.id, "k2", created="2025-01-01T00:00:02+00:00")
    project.add_take(first)
    assert not project.can_undo  # the first take plays anyway: nothing to undo
    project.add_take(second)
    assert project.chosen_take(line.id) == second and project.undo_label == "Use new take"
    project.choose_take(line.id, first.id)
    assert project.chosen_take(line.id) == first
    project.undo()
    assert project.chosen_take(line.id) == second
    project.undo()
    assert project.chosen_take(line.id) == first
    assert [t.id for t in project.takes_for(line.id)] == [second.id, first.id]  # takes stay through undo

    third = make_take(project, line.id, "k3", created="2025-01-01T00:00:03+00:00")
    project.add_take(third, choose=False)
    assert project.chosen_take(line.id) == first
    with pytest.raises(ProjectError, match="not made for this line"):
        project.choose_take(project.lines[1].id, third.id)


def test_takes_return_with_a_deleted_line_put_back(project):
    line = project.lines[2]
    take = make_take(project, line.id, "k-middle")
    project.add_take(take)
    project.delete_line(line.id)
    project.save()
    project.close()
    # The creator pastes the same words back in another editor.
    path = project.script_path
    path.write_text(path.read_text().replace("# End\n", "# End\n\nThe middle part explains things.\n"))
    again = Project.open(project.folder)
    back = next(line for line in again.lines if line.text == "The middle part explains things.")
    assert back.id == line.id and again.chosen_take(back.id) == take


def test_observers_hear_each_kind_of_change(project):
    heard = []
    unsubscribe = project.subscribe(lambda event, line_id: heard.append((event, line_id)))
    project.subscribe(lambda event, line_id: 1 / 0)  # a broken observer does not stop the others
    line = project.lines[0]
    project.edit_line(line.id, "Changed.")
    project.set_line_speed(line.id, 1.2)
    project.add_take(make_take(project, line.id, "k1"))
    new = project.insert_line(line.id, "Another.")
    project.undo()
    project.save()
    assert heard == [
        ("script", line.id), ("line", line.id), ("line", line.id), ("script", None), ("script", None),
        ("saved", None),
    ]
    assert new not in [line.id for line in project.lines]
    unsubscribe()
    project.edit_line(line.id, "Again.")
    assert len(heard) == 6


def test_manifest_changes_are_saved_with_the_project_and_checked_first(project):
    project.manifest.voice = "af_heart"
    assert project.dirty
    project.save()
    assert Manifest.load(project.folder).voice == "af_heart" and not project.dirty

    before = project.script_path.read_bytes()
    project.manifest.speed = 7.0
    project.edit_line(project.lines[0].id, "Not saved: the manifest is wrong.")
    with pytest.raises(ProjectError, match="between 0.5 and 2.0, not 7.0. Nothing was saved."):
        project.save()
    assert project.script_path.read_bytes() == before
    assert Manifest.load(project.folder).speed == 1.0
