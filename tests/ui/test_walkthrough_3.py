"""A third creator's walkthrough: the Images grid from the keyboard on a drawn picture, the timeline's
clip keys (nudge, next/previous clip, Delete), and Ctrl+Shift+T. Each test failed before its fix;
the screenshots go to the test artefacts (walkthrough3-*.png)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication
from test_timeline import _click_clip


def _draw_picture(path, colour) -> None:
    """A subject on a background, as a creator's photo would be: a dim gradient and a bright disc."""
    import cv2

    h, w = 540, 720
    image = np.zeros((h, w, 3), np.uint8)
    image[:] = np.linspace(40, 110, w, dtype=np.uint8)[None, :, None]
    cv2.circle(image, (w // 2, h // 2), 150, colour, -1)
    cv2.rectangle(image, (w // 2 - 60, h // 2 + 120), (w // 2 + 60, h - 20), colour, -1)
    assert cv2.imwrite(str(path), image)


def _marks(panel) -> list[str]:
    return [panel.grid.item(row).text() for row in range(panel.grid.count())]


def test_the_image_grid_works_from_the_keyboard(timeline_studio, qtbot, artifacts_dir):
    # Arrows moved in the grid, but Enter did nothing and P was not a key: only the mouse could use or pin.
    win, panel = timeline_studio, timeline_studio.images
    folder, scene = win.project.folder, win.project.scenes[0].id
    (folder / "pictures").mkdir()
    _draw_picture(folder / "pictures" / "red.png", (40, 40, 220))
    _draw_picture(folder / "pictures" / "green.png", (60, 200, 60))
    win.editor.select_line(win.project.lines[0].id)
    qtbot.waitUntil(lambda: panel.scene_id == scene, timeout=2000)
    panel.add_picture("pictures/red.png")
    panel.add_picture("pictures/green.png")
    assert panel.grid.count() == 2

    panel.grid.setFocus()
    panel.grid.setCurrentRow(0)
    first = panel.selected_take()
    qtbot.keyClick(panel.grid, Qt.Key.Key_Right)
    second = panel.selected_take()
    assert second.id != first.id
    qtbot.keyClick(panel.grid, Qt.Key.Key_Return)
    assert win.project.chosen_image(scene).id == second.id
    qtbot.keyClick(panel.grid, Qt.Key.Key_P)
    assert win.project.image_takes.get(second.id).pinned
    assert panel.selected_take().id == second.id and panel.grid.hasFocus()  # the refill kept the place
    assert "pinned · ✓ in use" in panel.grid.currentItem().text()
    qtbot.keyClick(panel.grid, Qt.Key.Key_P)
    assert not win.project.image_takes.get(second.id).pinned

    # The chosen picture is the scene's clip on the Images track.
    qtbot.waitUntil(lambda: any(c.track == "image" and c.ref == scene and c.source == second.path
                                for c in win.timeline.timeline.clips), timeout=3000)

    panel.cleanup("auto_contrast")
    qtbot.waitUntil(lambda: panel.grid.count() == 3, timeout=10000)
    assert any("auto contrast" in text for text in _marks(panel))
    win.resize(1366, 768)
    qtbot.wait(100)
    # On a 768-pixel screen the whole cell shows, caption included: which take is pinned and in use.
    panel.select_take(second.id)
    cell = panel.grid.visualItemRect(panel.grid.currentItem())
    assert panel.grid.viewport().rect().contains(cell), (cell, panel.grid.viewport().rect())
    win.grab().save(str(artifacts_dir / "walkthrough3-images.png"))


def test_alt_arrows_nudge_the_selected_clip_as_one_undo_step(timeline_studio, qtbot):
    win, panel = timeline_studio, timeline_studio.timeline
    view = panel.view
    clip = f"voice:{win.editor.line_ids()[2]}"
    _click_clip(qtbot, view, clip)
    start = panel.timeline.clip(clip).start
    undo_depth = len(panel._undo)

    qtbot.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert abs(panel.timeline.clip(clip).start - (start + 0.2)) < 1e-6
    qtbot.keyClick(view, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier)
    assert abs(panel.timeline.clip(clip).start - max(0.0, start - 0.8)) < 1e-6
    assert len(panel._undo) == undo_depth + 1 and panel.undo_label == "Nudge clip"
    assert view.playhead == 0.0  # the playhead stayed: Alt+← is not ←

    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert abs(panel.timeline.clip(clip).start - start) < 1e-6

    qtbot.keyClick(view, Qt.Key.Key_L)  # locked: a nudge says why and changes nothing
    qtbot.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert abs(panel.timeline.clip(clip).start - start) < 1e-6
    assert "locked" in win.status.message.text()


def test_brackets_walk_the_clips_and_delete_is_never_destructive(timeline_studio, qtbot):
    win, panel = timeline_studio, timeline_studio.timeline
    view, ids = panel.view, win.editor.line_ids()
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_BracketRight)  # nothing selected: the first voice clip from the playhead
    assert view.selected == f"voice:{ids[0]}"
    qtbot.keyClick(view, Qt.Key.Key_BracketRight)
    assert view.selected == f"voice:{ids[1]}"
    assert win.editor.current_line() == ids[1]  # the script follows
    qtbot.keyClick(view, Qt.Key.Key_BracketLeft)
    assert view.selected == f"voice:{ids[0]}"
    assert view.hasFocus()

    clips = panel.timeline.clips
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert panel.timeline.clips == clips and len(win.project.lines) == len(ids)
    assert "delete the line in the script" in win.status.message.text()

    (win.project.folder / "music.wav").write_bytes((win.project.folder / panel.timeline.clips[0].source).read_bytes())
    panel._apply(panel.timeline.add_music("music.wav"), "Add music")
    music = panel.timeline.track("music")[0].id
    view.setFocus()
    _click_clip(qtbot, view, music)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert not panel.timeline.track("music")
    assert panel.undo_label == "Remove music"
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert panel.timeline.track("music")


def test_ctrl_shift_t_shows_and_focuses_and_hides_only_from_the_timeline(timeline_studio, qtbot, artifacts_dir):
    # It was the dock's toggle: pressed while the creator was typing in the script, it hid the timeline.
    win, panel = timeline_studio, timeline_studio.timeline
    win.editor.tree.setFocus()
    QApplication.processEvents()
    assert panel.dock.isVisible()

    qtbot.keyClick(win.editor.tree, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    QApplication.processEvents()
    assert panel.dock.isVisible() and panel.view.hasFocus()

    qtbot.keyClick(panel.view, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    QApplication.processEvents()
    assert not panel.dock.isVisible() and win.editor.tree.hasFocus()
    win.grab().save(str(artifacts_dir / "walkthrough3-timeline-hidden.png"))

    qtbot.keyClick(win.editor.tree, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    QApplication.processEvents()
    assert panel.dock.isVisible() and panel.view.hasFocus()
    view_menu = next(a.menu() for a in win.menuBar().actions() if a.text() == "V&iew")
    shown = [a for a in view_menu.actions() if a.text().startswith("&Timeline")]
    assert len(shown) == 1 and shown[0].text().endswith("\tCtrl+Shift+T")
    owners = [a for a in win.findChildren(type(shown[0])) if QKeySequence("Ctrl+Shift+T") in a.shortcuts()]
    assert owners == [panel.show_hide_action]  # one owner: no ambiguous shortcut
