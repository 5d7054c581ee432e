"""Autosave and crash recovery: unsaved edits of a session that never closed come back."""

from __future__ import annotations

import gc
import json
import os
import socket

from studio.project.project import Project


def _crash_with_an_edit(folder):
    project = Project.open(folder)
    line = project.lines[1]
    project.edit_line(line.id, "Edited, then the studio crashed.")
    project.set_line_speed(line.id, 1.3)
    assert project.autosave() is True
    del project  # no close(): the lock and the autosave stay behind
    gc.collect()
    return line.id


def test_an_unclosed_sessions_edits_are_offered_and_restored(scripted):
    line_id = _crash_with_an_edit(scripted)
    saved = json.loads((scripted / ".stitch" / "autosave.json").read_text())
    assert "Edited, then the studio crashed." in saved["script_text"] and saved["saved_at"]

    project = Project.open(scripted)
    recovery = project.recovery()
    assert recovery is not None and "Edited, then the studio crashed." in recovery.script_text
    assert project.line(line_id).text == "Second line, with a twist."  # nothing applied until asked

    project.restore_recovery()
    assert project.line(line_id).text == "Edited, then the studio crashed."
    assert project.line_speed(line_id) == 1.3
    assert project.dirty and project.undo_label == "Restore unsaved edits" and project.recovery() is None
    project.undo()
    assert project.line(line_id).text == "Second line, with a twist." and not project.dirty
    project.redo()
    project.save()
    assert "Edited, then the studio crashed." in (scripted / "script.md").read_text()
    assert not (scripted / ".stitch" / "autosave.json").exists()
    project.close()
    assert Project.open(scripted).recovery() is None


def test_discarded_recovery_is_gone_for_good(scripted):
    _crash_with_an_edit(scripted)
    project = Project.open(scripted)
    assert project.recovery() is not None
    project.discard_recovery()
    assert project.recovery() is None and not (scripted / ".stitch" / "autosave.json").exists()
    assert "crashed" not in (scripted / "script.md").read_text()
    project.close()
    assert Project.open(scripted).recovery() is None


def test_a_clean_close_leaves_nothing_to_recover(scripted):
    project = Project.open(scripted)
    assert project.autosave() is False  # nothing unsaved, nothing written
    assert not (scripted / ".stitch" / "autosave.json").exists()
    project.edit_line(project.lines[0].id, "Unsaved and thrown away.")
    assert project.autosave() is True
    project.close()
    assert not (scripted / ".stitch" / "autosave.json").exists()
    assert not (scripted / ".stitch" / "session.lock").exists()
    assert Project.open(scripted).recovery() is None


def test_an_autosave_older_than_the_script_is_not_offered(scripted):
    _crash_with_an_edit(scripted)
    autosave = scripted / ".stitch" / "autosave.json"
    script = scripted / "script.md"
    later = autosave.stat().st_mtime_ns + 10_000_000_000
    os.utime(script, ns=(later, later))  # saved in another editor after the crash
    assert Project.open(scripted).recovery() is None


def test_the_autosave_of_a_studio_still_running_is_not_offered(scripted):
    _crash_with_an_edit(scripted)
    lock = scripted / ".stitch" / "session.lock"
    # Our parent process stands in for another studio that is still running on this machine.
    lock.write_text(json.dumps({"pid": os.getppid(), "host": socket.gethostname(), "opened_at": ""}))
    assert Project.open(scripted).recovery() is None


def test_a_damaged_autosave_does_not_stop_the_project_opening(scripted):
    _crash_with_an_edit(scripted)
    (scripted / ".stitch" / "autosave.json").write_text("{ not json")
    project = Project.open(scripted)
    assert project.recovery() is None and len(project.lines) == 4
