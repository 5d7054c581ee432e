"""The Timeline dock: one clip per line, selection both ways, undoable moves, playhead, export dialog."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import QPoint, Qt

from studio.render.from_project import TIMELINE_FILE, load_timeline

TINY = "# Opening\n\nOne short line.\n\nTwo words here.\n\n# Closing\n\nThe end of it.\n"


@pytest.fixture
def timeline_studio(window, demo_copy, registry, qtbot):
    """The window on a demo copy whose lines were all rendered (sine engine) before opening."""
    from studio.cli import render_project

    with open(os.devnull, "w") as quiet:
        assert render_project(demo_copy, registry=registry, out=quiet) == 0
    assert window.open_folder(demo_copy)
    qtbot.waitUntil(lambda: window.voice.ready, timeout=5000)
    qtbot.waitUntil(lambda: window.timeline.timeline is not None, timeout=3000)
    return window


def _click_clip(qtbot, view, clip_id):
    item = view.items[clip_id]
    view.ensureVisible(item)
    point = view.mapFromScene(item.rect().center())
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    return point


def test_one_clip_per_line_and_selection_goes_both_ways(timeline_studio, qtbot):
    win, panel = timeline_studio, timeline_studio.timeline
    ids = win.editor.line_ids()
    voice = [c.ref for c in panel.timeline.track("voice")]
    assert voice == ids and set(panel.view.items) >= {f"voice:{i}" for i in ids}
    assert len(panel.timeline.track("image")) == len(win.project.scenes)

    _click_clip(qtbot, panel.view, f"voice:{ids[2]}")
    assert win.editor.current_line() == ids[2] and panel.view.selected == f"voice:{ids[2]}"

    win.editor.select_line(ids[4])
    assert panel.view.selected == f"voice:{ids[4]}"
    qtbot.waitUntil(lambda: f"renders/{panel.timeline.clip(f'voice:{ids[0]}').source.split('/')[-1]}"
                    in panel.view.peaks, timeout=3000)  # waveforms arrive from their job


def test_dragging_a_clip_moves_it_with_undo_and_it_is_saved(timeline_studio, qtbot):
    panel = timeline_studio.timeline
    view = panel.view
    clip_id = panel.timeline.track("voice")[1].id
    before = panel.timeline.clip(clip_id).start
    start = _click_clip(qtbot, view, clip_id)
    end = start + QPoint(int(2.0 * view.scale_px), 0)
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(view.viewport(), start + QPoint(10, 0))
    qtbot.mouseMove(view.viewport(), end)
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=end)
    moved = panel.timeline.clip(clip_id)
    assert moved.start == pytest.approx(before + 2.0, abs=0.15) and moved.placed
    assert load_timeline(timeline_studio.project).clip(clip_id).start == moved.start  # saved at once

    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert panel.timeline.clip(clip_id).start == pytest.approx(before)
    assert load_timeline(timeline_studio.project).clip(clip_id).start == pytest.approx(before)
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert panel.timeline.clip(clip_id).start == moved.start


def test_a_locked_clip_stays_put_through_a_new_take(timeline_studio, qtbot, registry):
    win, panel = timeline_studio, timeline_studio.timeline
    ids = win.editor.line_ids()
    clip_id = f"voice:{ids[1]}"
    qtbot.waitUntil(lambda: not win.jobs.busy, timeout=3000)  # job progress would cover the sentence
    panel.move(clip_id, 12.0)
    _click_clip(qtbot, panel.view, clip_id)
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_L)
    assert panel.timeline.clip(clip_id).locked and panel.header.lock.isChecked()
    panel.move(clip_id, 1.0)  # refused with a sentence
    assert panel.timeline.clip(clip_id).start == 12.0
    assert "locked" in win.status.message.text()

    win.project.edit_line(ids[0], "A different first line, whose new take has another length.")
    win.voice.preview(ids[0])
    first = f"voice:{ids[0]}"
    old = panel.timeline.clip(first).duration
    qtbot.waitUntil(lambda: panel.timeline.clip(first).duration != old, timeout=5000)
    assert panel.timeline.clip(clip_id).start == 12.0


def test_space_plays_the_mix_and_the_playhead_moves(timeline_studio, qtbot):
    panel = timeline_studio.timeline
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: panel.playing, timeout=5000)
    assert (timeline_studio.project.folder / ".stitch" / "preview" / "timeline-mix.wav").is_file()
    qtbot.waitUntil(lambda: panel.view.playhead > 0.2, timeout=3000)
    qtbot.keyClick(panel.view, Qt.Key.Key_Space)
    assert not panel.playing
    paused_at = panel.view.playhead
    qtbot.wait(150)
    assert panel.view.playhead == paused_at


def test_export_dialog_exports_then_a_cancel_leaves_no_file(timeline_studio, qtbot, tmp_path):
    from studio.ui.export_dialog import open_export

    win = timeline_studio
    (win.project.folder / "script.md").write_text(TINY, encoding="utf-8")
    win.check_disk()
    win.render_all()
    qtbot.waitUntil(lambda: not win.jobs.busy and win.timeline.header.hint.text() == "", timeout=5000)
    win.timeline.rebuild()

    dialog = open_export(win)
    dialog.preset.setCurrentIndex(dialog.preset.findData("square"))
    out = tmp_path / "out" / "tiny.mp4"
    dialog.path.setText(str(out))
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert dialog.running and dialog.cancel_button.text() == "Cancel"
    qtbot.waitUntil(lambda: not dialog.running, timeout=30000)
    assert dialog.result is not None and out.is_file(), dialog.status.text()
    assert dialog.progress.value() == 1000

    again = tmp_path / "out" / "cancelled.mp4"
    dialog.path.setText(str(again))
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.running, timeout=10000)
    assert "cancelled" in dialog.status.text() and not again.exists()
    assert sorted(p.name for p in again.parent.iterdir()) == ["tiny.mp4"]  # no partial file either


def test_export_dialog_names_lines_without_takes(window, demo_copy, qtbot):
    from studio.ui.export_dialog import open_export

    assert window.open_folder(demo_copy)
    dialog = open_export(window)
    dialog.path.setText(str(demo_copy / "exports" / "x.mp4"))
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert "Lines 1, 2, 3, 4, 5 have no take yet" in dialog.status.text() and not dialog.running
    assert not (demo_copy / "exports").exists()


def test_screenshot_of_the_window_with_the_timeline(timeline_studio, qtbot, artifacts_dir):
    win, panel = timeline_studio, timeline_studio.timeline
    qtbot.waitUntil(lambda: len(panel.view.thumbnails) == len(panel.timeline.track("image")), timeout=3000)
    ids = win.editor.line_ids()
    win.editor.select_line(ids[1])
    panel.view.set_playhead(3.1)
    win.resize(1400, 900)
    qtbot.wait(50)
    target = artifacts_dir / "main-window-timeline.png"
    assert win.grab().save(str(target))
    assert (win.project.folder / TIMELINE_FILE).is_file()
