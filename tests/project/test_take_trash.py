"""Deleting takes: undoable through .stitch/trash/, space freed when the trash is emptied."""

from __future__ import annotations

from studio.project.project import Project
from studio.project.trash import TRASH_DIR

from project_helpers import make_take


def _with_takes(scripted, count=3):
    project = Project.open(scripted)
    line = project.lines[0].id
    takes = [make_take(project, line, f"{n:02d}" * 20, created=f"2025-01-0{n + 1}T00:00:00+00:00") for n in range(count)]
    for take in takes:
        project.add_take(take)
    return project, line, takes


def test_a_deleted_take_goes_to_the_trash_and_undo_brings_it_back(scripted):
    project, line, takes = _with_takes(scripted)
    newest = takes[-1]
    assert project.chosen_take(line).id == newest.id
    project.delete_take(newest.id)
    assert not (scripted / newest.path).exists()
    assert (scripted / TRASH_DIR / f"{newest.id}-{newest.path.split('/')[-1]}").is_file()
    assert project.takes.get(newest.id) is None
    assert project.chosen_take(line).id == takes[1].id
    project.undo()
    assert (scripted / newest.path).is_file() and project.chosen_take(line).id == newest.id
    project.redo()
    assert project.takes.get(newest.id) is None
    assert project.trash_size() > 0
    assert project.empty_trash() == len(b"RIFF fake wav")
    assert project.trash_size() == 0
    project.undo()  # gone for good: the undo has nothing to bring back
    assert project.takes.get(newest.id) is None
    project.close()
    assert Project.open(scripted).takes.get(newest.id) is None


def test_a_file_another_take_plays_is_not_moved(scripted):
    project, line, takes = _with_takes(scripted, 1)
    other = project.lines[1].id
    shared = make_take(project, other, takes[0].cache_key, write_file=False)
    shared.id = "take-shared"
    project.add_take(shared)
    project.delete_take(takes[0].id)
    assert (scripted / takes[0].path).is_file()
    assert project.empty_trash() == 0 and (scripted / takes[0].path).is_file()


def test_keep_only_chosen_for_a_line_and_for_the_project(scripted):
    project, line, takes = _with_takes(scripted)
    second = project.lines[1].id
    for n in range(2):
        project.add_take(make_take(project, second, f"b{n}" * 20, created=f"2025-02-0{n + 1}T00:00:00+00:00"))
    project.choose_take(line, takes[0].id)
    assert project.keep_only_chosen(line) == 2
    assert [t.id for t in project.takes_for(line)] == [takes[0].id]
    assert len(project.takes_for(second)) == 2
    assert project.keep_only_chosen() == 1
    assert len(project.takes_for(second)) == 1
    project.undo()
    project.undo()
    assert len(project.takes_for(line)) == 3 and len(project.takes_for(second)) == 2
    assert all((scripted / t.path).is_file() for t in project.takes.all())


def test_ab_pair_is_the_chosen_take_and_the_newest_different_one(scripted):
    project, line, takes = _with_takes(scripted)
    assert project.ab_pair(line) == (takes[2], takes[1])
    project.choose_take(line, takes[0].id)
    assert project.ab_pair(line) == (takes[0], takes[2])
    project.keep_only_chosen(line)
    assert project.ab_pair(line) == (takes[0], None)
