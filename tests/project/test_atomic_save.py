"""Saving: atomic, minimal, and never a half-written file."""

from __future__ import annotations

import os
import stat

import pytest
from project_helpers import file_hashes, leftover_temp_files

from studio.errors import StorageError
from studio.project.project import Project


def test_open_and_save_without_edits_changes_nothing_of_the_creators(scripted):
    (scripted / "stitch.toml").write_text('# mine\nschema = 1\nscript = "script.md"\ntitle = "Mine"  # keep\n')
    (scripted / "notes.txt").write_text("ideas, not the script\n")
    before = file_hashes(scripted)
    stamps = {p: p.stat().st_mtime_ns for p in scripted.rglob("*") if p.is_file()}
    project = Project.open(scripted)
    assert not project.dirty
    project.save()
    project.autosave()
    project.close()
    assert file_hashes(scripted) == before
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps


def test_an_interrupted_save_leaves_the_old_script_and_no_temp_file(scripted, monkeypatch):
    project = Project.open(scripted)
    original = (scripted / "script.md").read_bytes()
    project.edit_line(project.lines[0].id, "A change that will not make it.")

    real_replace = os.replace

    def crash(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(StorageError) as caught:
        project.save()
    assert str(caught.value) == "Could not write script.md: No space left on device. The previous version is intact."
    assert (scripted / "script.md").read_bytes() == original
    assert leftover_temp_files(scripted) == []
    assert project.dirty

    monkeypatch.setattr(os, "replace", real_replace)
    project.save()
    assert "A change that will not make it." in (scripted / "script.md").read_text()
    assert not project.dirty and leftover_temp_files(scripted) == []


def test_saving_keeps_the_scripts_permissions(scripted):
    path = scripted / "script.md"
    path.chmod(0o640)
    project = Project.open(scripted)
    project.edit_line(project.lines[0].id, "Changed.")
    project.save()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_saving_through_a_symlink_keeps_the_link(scripted):
    real = scripted / "chapters" / "one.md"
    real.parent.mkdir()
    (scripted / "script.md").rename(real)
    (scripted / "script.md").symlink_to(real)
    project = Project.open(scripted)
    project.edit_line(project.lines[0].id, "Through the link.")
    project.save()
    assert (scripted / "script.md").is_symlink()
    assert "Through the link." in real.read_text()


def test_a_deleted_script_is_written_again_on_save(scripted):
    project = Project.open(scripted)
    text = (scripted / "script.md").read_text()
    (scripted / "script.md").unlink()
    assert project.reload_if_changed() == "unchanged"  # a save-by-rename in progress looks the same
    project.save()
    assert (scripted / "script.md").read_text() == text
