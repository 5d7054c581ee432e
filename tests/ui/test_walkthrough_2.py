"""A second creator's walkthrough of the demo: undo across the app, the timeline with the keyboard,
the self-check marks, the Images dock. Each test failed before its fix."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from test_timeline import _click_clip, _drag
from ui_helpers import type_into_inspector

from studio.ui.timeline.tracks import stamp


def test_edit_undo_acts_on_the_timeline_when_the_creator_was_working_there(timeline_studio, qtbot):
    # The menu said "Undo Edit line" after a clip was dragged, and undid the typing, not the move.
    win, panel = timeline_studio, timeline_studio.timeline
    ids = win.editor.line_ids()
    win.editor.select_line(ids[1])
    typed = "Typed before the drag."
    type_into_inspector(qtbot, win, typed)
    win.editor.inspector.flush()

    clip = f"voice:{ids[3]}"
    start = panel.timeline.clip(clip).start
    _drag(qtbot, panel.view, _click_clip(qtbot, panel.view, clip), 1.0)
    assert panel.timeline.clip(clip).start > start
    assert win.actions.undo.text().replace("&", "") == "Undo Move clip (Timeline)"

    win.actions.undo.trigger()  # Edit ▸ Undo, chosen with the mouse
    assert abs(panel.timeline.clip(clip).start - start) < 1e-6
    assert win.project.line(ids[1]).text == typed  # the script was left alone
    assert win.actions.redo.text().replace("&", "") == "Redo Move clip (Timeline)"

    win.editor.inspector.text.setFocus()  # back in the script: the menu acts on it again
    QApplication.processEvents()
    assert win.actions.undo.text().replace("&", "") == "Undo Edit line"
    win.actions.undo.trigger()
    assert win.project.line(ids[1]).text != typed
    assert abs(panel.timeline.clip(clip).start - start) < 1e-6


def test_the_timeline_zooms_and_moves_its_playhead_from_the_keyboard(timeline_studio, qtbot):
    # Zoom was only on the +/− buttons and Ctrl+wheel, the playhead only under the mouse.
    win, panel = timeline_studio, timeline_studio.timeline
    view = panel.view
    win.go_to[1].trigger()  # View ▸ Go to Timeline (Ctrl+2)
    QApplication.processEvents()
    assert view.hasFocus()

    scale = view.scale_px
    qtbot.keyClick(view, Qt.Key.Key_Plus, Qt.KeyboardModifier.ShiftModifier)  # "+" as typed: Shift+=
    assert view.scale_px > scale
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    qtbot.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.KeypadModifier)
    assert view.scale_px < scale

    qtbot.keyClick(view, Qt.Key.Key_End)
    assert abs(view.playhead - panel.timeline.duration) < 1e-6
    qtbot.keyClick(view, Qt.Key.Key_Left)
    assert abs(view.playhead - (panel.timeline.duration - 1.0)) < 1e-6
    assert panel.header.time.text() == stamp(view.playhead)
    qtbot.keyClick(view, Qt.Key.Key_Home)
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert abs(view.playhead - 1.0) < 1e-6


def test_the_keyboard_reaches_the_script_and_the_images(timeline_studio, qtbot):
    win = timeline_studio
    win.images.dock.hide()  # closed by the creator earlier
    win.go_to[2].trigger()
    QApplication.processEvents()
    assert win.images.dock.isVisible() and win.images.prompt.hasFocus()
    win.go_to[0].trigger()
    QApplication.processEvents()
    assert win.editor.tree.hasFocus()
    assert [a.shortcut().toString() for a in win.go_to] == ["Ctrl+1", "Ctrl+2", "Ctrl+3"]


def test_zooming_keeps_the_playhead_where_it_is_on_screen(timeline_studio, qtbot):
    panel = timeline_studio.timeline
    view = panel.view
    view.resize(500, view.height())
    for _ in range(4):
        view.zoom(1.25)  # zoomed in far enough to scroll
    view.set_playhead(panel.timeline.duration * 0.7)
    view.centerOn(view.mapToScene(0, 0).x(), 0)
    bar = view.horizontalScrollBar()
    bar.setValue(int(80 + view.playhead * view.scale_px - 200))  # playhead 200 px into the view
    QApplication.processEvents()

    def on_screen():
        from PySide6.QtCore import QPointF

        return view.mapFromScene(QPointF(80 + view.playhead * view.scale_px, 0)).x()

    before = on_screen()
    panel.header.zoom_in.click()
    assert abs(on_screen() - before) <= 2  # it used to jump back toward the start
