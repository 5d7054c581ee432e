"""Edits made to the script in another editor, while the studio has it open or closed."""

from __future__ import annotations

import os

import pytest
from project_helpers import make_take

from studio.errors import ProjectError
from studio.project.project import Project


def _write_behind(project, text: str) -> None:
    """Another editor saves the script; its time stamp moves on even within one clock tick."""
    path = project.script_path
    path.write_text(text, encoding="utf-8")
    stamp = path.stat().st_mtime_ns + 5_000_000
    os.utime(path, ns=(stamp, stamp))


def test_another_editors_save_is_picked_up_and_lines_keep_their_ids_and_takes(scripted):
    project = Project.open(scripted)
    first, second, middle, end = project.lines
    take = make_take(project, middle.id, "k-middle")
    project.add_take(take)
    heard = []
    project.subscribe(lambda event, line_id: heard.append(event))

    assert project.reload_if_changed() == "unchanged"
    _write_behind(
        project,
        "# Opening\n\nSecond line, with a twist.\n\nFirst line of the video.\n\n"
        "A line someone else added.\n\n# Middle\n\nThe middle part explains things well.\n\n# End\n\n",
    )
    assert project.reload_if_changed() == "reloaded"
    assert heard == ["reloaded"]
    texts = [line.text for line in project.lines]
    ids = [line.id for line in project.lines]
    assert texts[:2] == ["Second line, with a twist.", "First line of the video."]
    assert ids[:2] == [second.id, first.id]  # reordered: same ids
    assert ids[3] == middle.id  # reworded: same id, takes still attached
    assert project.chosen_take(middle.id) == take and project.line_state(middle.id, "k-middle") == "draft"
    assert ids[2] not in (first.id, second.id, middle.id, end.id)
    assert end.id not in ids
    assert not project.dirty
    assert project.reload_if_changed() == "unchanged"


def test_a_touch_without_a_change_is_not_a_change(scripted):
    project = Project.open(scripted)
    ids = [line.id for line in project.lines]
    _write_behind(project, project.script_path.read_text())
    assert project.reload_if_changed() == "unchanged"
    assert [line.id for line in project.lines] == ids and not project.can_undo


def test_both_changed_is_a_conflict_that_keeps_the_studios_version(scripted):
    project = Project.open(scripted)
    line = project.lines[0]
    project.edit_line(line.id, "The studio's wording.")
    theirs = "# Opening\n\nTheir wording.\n"
    _write_behind(project, theirs)

    assert project.reload_if_changed() == "conflict"
    assert project.conflict_text() == theirs
    assert project.line(line.id).text == "The studio's wording."
    assert project.script_path.read_text() == theirs  # the disk is not touched
    with pytest.raises(ProjectError, match="changed in another editor"):
        project.save()
    assert project.script_path.read_text() == theirs
    assert project.reload_if_changed() == "conflict"

    project.keep_mine()
    assert project.conflict_text() is None and project.reload_if_changed() == "unchanged"
    project.save()
    assert "The studio's wording." in project.script_path.read_text()


def test_reload_theirs_replaces_the_studios_version_and_can_be_undone(scripted):
    project = Project.open(scripted)
    line = project.lines[0]
    project.edit_line(line.id, "The studio's wording.")
    _write_behind(project, "# Opening\n\nFirst line of the video, as they wrote it.\n")
    assert project.reload_if_changed() == "conflict"
    project.reload_from_disk()
    assert [l.text for l in project.lines] == ["First line of the video, as they wrote it."]
    assert project.lines[0].id == line.id and not project.dirty and project.conflict_text() is None
    project.undo()
    assert project.line(line.id).text == "The studio's wording." and project.dirty


def test_a_script_edited_while_the_studio_was_closed_keeps_its_ids(scripted):
    project = Project.open(scripted)
    ids = {line.text: line.id for line in project.lines}
    project.set_line_voice(ids["Thanks for watching."], "bf_emma")
    project.save()
    project.close()

    path = scripted / "script.md"
    path.write_text(path.read_text().replace("Thanks for watching.", "Thanks so much for watching!"))
    again = Project.open(scripted)
    last = again.lines[-1]
    assert last.text == "Thanks so much for watching!"
    assert last.id == ids["Thanks for watching."] and again.line_voice(last.id) == "bf_emma"
    assert [line.id for line in again.lines[:3]] == [ids[t] for t in list(ids)[:3]]


def test_the_studio_saving_the_same_text_as_the_other_editor_is_no_conflict(scripted):
    project = Project.open(scripted)
    line = project.lines[0]
    project.edit_line(line.id, "Same words both sides.")
    _write_behind(project, project.script_path.read_text().replace("First line of the video.", "Same words both sides."))
    assert project.reload_if_changed() == "unchanged"
    assert not project.dirty
