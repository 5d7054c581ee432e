"""The window and the project: opening, titles, undo, saving, closing, disk edits, recovery."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt

from studio.project.project import Project
from studio.ui.shell import main_window
from ui_helpers import answer_next_dialog, scene_rows, type_into_inspector


def test_opening_the_demo_shows_its_scenes_and_lines(studio):
    assert scene_rows(studio) == ["Why local models?", "How the studio works", "Your turn"]
    assert len(studio.editor.line_ids()) == 5
    assert studio.windowTitle() == "Stitch Studio demo — Stitch Studio"
    assert studio.status.engine.text() == "Sine test engine · letters"
    first = studio.editor.line_ids()[0]
    assert studio.editor.current_line() == first
    assert studio.editor.inspector.text.toPlainText().startswith("Every draft you render")


def test_nothing_open_shows_the_way_in(window, demo_copy, monkeypatch, qtbot):
    assert window.pages.currentWidget() is window.welcome
    assert window.windowTitle() == "Stitch Studio"
    monkeypatch.setattr(main_window, "demo_folder", lambda: demo_copy)
    qtbot.mouseClick(window.welcome.demo_button, Qt.MouseButton.LeftButton)
    assert window.project is not None and window.pages.currentWidget() is not window.welcome
    assert str(demo_copy.resolve()) in window.settings.recent_projects


def test_the_title_shows_unsaved_edits_until_saved(studio, qtbot):
    line = studio.editor.line_ids()[2]
    studio.editor.select_line(line)
    type_into_inspector(qtbot, studio, "Write a line, and hear it.")
    studio.editor.inspector.flush()
    assert studio.windowTitle() == "Stitch Studio demo* — Stitch Studio"
    studio.actions.save.trigger()
    assert studio.windowTitle() == "Stitch Studio demo — Stitch Studio"
    assert "Write a line, and hear it." in (studio.project.script_path).read_text()


def test_undo_and_redo_an_edit_through_the_menu(studio, qtbot):
    line = studio.editor.line_ids()[3]
    before = studio.project.line(line).text
    studio.editor.select_line(line)
    type_into_inspector(qtbot, studio, "Change a word.")
    # Undo flushes the pending typing first, so one undo takes back the whole burst.
    assert studio.actions.undo.isEnabled()
    studio.actions.undo.trigger()
    assert studio.project.line(line).text == before
    assert studio.editor.inspector.text.toPlainText() == before
    assert studio.actions.redo.text() == "&Redo Edit line"
    studio.actions.redo.trigger()
    assert studio.project.line(line).text == "Change a word."
    assert studio.editor.inspector.text.toPlainText() == "Change a word."


def test_ctrl_z_in_the_text_box_is_the_project_undo(studio, qtbot):
    line = studio.editor.line_ids()[0]
    before = studio.project.line(line).text
    type_into_inspector(qtbot, studio, "Typed here.")
    qtbot.keyClick(studio.editor.inspector.text, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert studio.project.line(line).text == before


def test_new_and_deleted_lines_keep_the_tree_in_step(studio, qtbot):
    lines = studio.editor.line_ids()
    studio.editor.select_line(lines[0])
    studio.actions.new_line.trigger()
    new = studio.editor.current_line()
    assert new not in lines and studio.editor.line_ids().index(new) == 1
    assert studio.editor.inspector.text.hasFocus()
    studio.actions.delete_line.trigger()
    assert studio.editor.line_ids() == lines
    studio.actions.undo.trigger()
    assert len(studio.editor.line_ids()) == 6


def test_an_edit_in_another_editor_is_picked_up_with_line_ids_kept(studio, qtbot):
    ids = studio.editor.line_ids()
    studio.editor.select_line(ids[3])
    script = studio.project.script_path
    script.write_text(script.read_text().replace("Change a word", "Change one word"), encoding="utf-8")
    qtbot.waitUntil(lambda: studio.project.line(ids[3]).text.startswith("Change one word"), timeout=5000)
    assert studio.editor.line_ids() == ids
    assert studio.editor.current_line() == ids[3]
    assert studio.editor.inspector.text.toPlainText().startswith("Change one word")
    assert "changed in another editor" in studio.status.message.text()


def test_a_conflict_asks_without_blocking(studio, qtbot):
    ids = studio.editor.line_ids()
    studio.editor.select_line(ids[4])
    type_into_inspector(qtbot, studio, "My own ending.")
    studio.editor.inspector.flush()
    script = studio.project.script_path
    script.write_text(script.read_text().replace("Open a folder", "Open any folder"), encoding="utf-8")
    qtbot.waitUntil(studio.conflict_bar.isVisible, timeout=5000)
    assert studio.project.line(ids[4]).text == "My own ending."
    qtbot.mouseClick(studio.conflict_bar.load_button, Qt.MouseButton.LeftButton)
    assert studio.project.lines[4].text.startswith("Open any folder")
    assert studio.editor.inspector.text.toPlainText().startswith("Open any folder")
    assert not studio.conflict_bar.isVisible()


def test_keep_mine_saves_over_the_other_version(studio, qtbot):
    ids = studio.editor.line_ids()
    studio.editor.select_line(ids[4])
    type_into_inspector(qtbot, studio, "My own ending.")
    studio.editor.inspector.flush()
    script = studio.project.script_path
    script.write_text(script.read_text() + "\nAn extra paragraph.\n", encoding="utf-8")
    qtbot.waitUntil(studio.conflict_bar.isVisible, timeout=5000)
    qtbot.mouseClick(studio.conflict_bar.keep_button, Qt.MouseButton.LeftButton)
    assert studio.save()
    assert "My own ending." in script.read_text() and "An extra paragraph" not in script.read_text()


def test_unsaved_work_is_offered_back_after_a_crash(window, demo_copy, qtbot):
    crashed = Project.open(demo_copy)
    line = crashed.lines[1].id
    crashed.edit_line(line, "Recovered words.")
    assert crashed.autosave()
    del crashed  # never closed: the studio "crashed"

    seen = []
    answer_next_dialog("Recover", seen)
    assert window.open_folder(demo_copy)
    assert "Recover unsaved work from" in seen[0].text()
    assert window.project.line(line).text == "Recovered words."
    assert window.windowTitle().startswith("Stitch Studio demo*")


def test_discarding_recovered_work_opens_the_saved_version(window, demo_copy, qtbot):
    crashed = Project.open(demo_copy)
    line = crashed.lines[1].id
    crashed.edit_line(line, "Lost words.")
    crashed.autosave()
    answer_next_dialog("Discard")
    assert window.open_folder(demo_copy)
    assert window.project.line(line).text.startswith("When a line is finally right")
    assert window.project.recovery() is None


def test_several_scripts_ask_which_one(window, tmp_path):
    folder = tmp_path / "Two scripts"
    folder.mkdir()
    (folder / "intro.md").write_text("# Intro\n\nHello there.\n", encoding="utf-8")
    (folder / "outro.txt").write_text("Goodbye now.\n", encoding="utf-8")
    answer_next_dialog("Open")
    assert window.open_folder(folder)
    assert window.project.script_path.name in ("intro.md", "outro.txt")


def test_a_folder_that_cannot_open_says_why(window, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(main_window.dialogs, "show_problem", lambda parent, message, title="": shown.append(message))
    assert not window.open_folder(tmp_path / "missing")
    assert shown and shown[0].startswith("There is no folder at")
    assert window.status.message.text() == shown[0]


def test_closing_with_unsaved_edits_asks_first(studio, qtbot, monkeypatch):
    type_into_inspector(qtbot, studio, "Unsaved words.")
    monkeypatch.setattr(main_window.dialogs, "ask_unsaved", lambda *args: "cancel")
    assert not studio.close()
    assert studio.project is not None
    monkeypatch.setattr(main_window.dialogs, "ask_unsaved", lambda *args: "save")
    script = studio.project.script_path
    assert studio.close()
    assert "Unsaved words." in script.read_text()


def test_closing_while_a_render_runs_leaves_no_thread(studio, engine, qtbot):
    engine.gate.clear()
    line = studio.editor.line_ids()[0]
    studio.voice.preview(line)
    qtbot.waitUntil(lambda: bool(engine.texts), timeout=3000)
    assert studio.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("stitch-")]


def test_autosave_keeps_unsaved_edits_aside(studio, qtbot):
    type_into_inspector(qtbot, studio, "Kept safe by autosave.")
    studio.autosave_timer.timeout.emit()
    assert (studio.project.folder / ".stitch" / "autosave.json").is_file()
    assert "Kept safe by autosave." in (studio.project.folder / ".stitch" / "autosave.json").read_text()


def test_open_recent_lists_the_projects_opened_before(studio):
    recent = next(a.menu() for a in studio.menuBar().actions()[0].menu().actions() if a.menu())
    recent.aboutToShow.emit()
    assert [a.text() for a in recent.actions()] == ["My Video"]


def test_unsaved_typing_is_kept_aside_seconds_after_it_stops(studio, qtbot):
    """Not only every autosave period (an hour in these tests): a crash loses seconds of typing."""
    studio.autosave_soon.setInterval(200)
    type_into_inspector(qtbot, studio, "Kept safe seconds later.")
    recovery = studio.project.folder / ".stitch" / "autosave.json"
    qtbot.waitUntil(lambda: recovery.is_file() and "Kept safe seconds later." in recovery.read_text(), timeout=5000)
