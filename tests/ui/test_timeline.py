"""The Timeline dock: one clip per line, selection both ways, undoable moves, playhead, export dialog."""

from __future__ import annotations


import numpy as np
import pytest
import soundfile
from PySide6.QtCore import QPoint, QPointF, Qt

from studio.render.from_project import TIMELINE_FILE, load_timeline
from studio.render.timeline import PanZoom
from studio.ui.timeline.tracks import LEFT

TINY = "# Opening\n\nOne short line.\n\nTwo words here.\n\n# Closing\n\nThe end of it.\n"


def _click_clip(qtbot, view, clip_id):
    item = view.items[clip_id]
    view.ensureVisible(item)
    point = view.mapFromScene(item.rect().center())
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    return point


def _drag(qtbot, view, start, seconds):
    """Press at `start`, move a little (past the start-of-drag threshold), then by `seconds` of time, release."""
    end = start + QPoint(int(seconds * view.scale_px), 0)
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(view.viewport(), start + QPoint(10 if seconds > 0 else -10, 0))
    qtbot.mouseMove(view.viewport(), end)
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=end)


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
    _drag(qtbot, view, _click_clip(qtbot, view, clip_id), 2.0)
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
    assert panel.preview.time == panel.view.playhead  # the picture follows the playhead
    assert panel.preview.clip is panel.timeline.clip_at("image", panel.view.playhead)
    qtbot.keyClick(panel.view, Qt.Key.Key_Space)
    assert not panel.playing
    paused_at = panel.view.playhead
    qtbot.wait(150)
    assert panel.view.playhead == paused_at


def test_export_dialog_exports_then_a_cancel_leaves_no_file(timeline_studio, qtbot, tmp_path):
    from studio.ui.timeline.export_dialog import open_export

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
    assert dialog.progress.isHidden()  # no empty bar before anything runs
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert dialog.running and dialog.cancel_button.text() == "Cancel" and not dialog.progress.isHidden()
    assert not dialog.start_button.isEnabled()  # one export at a time
    assert dialog.open_button.isHidden() and dialog.show_button.isHidden()
    qtbot.waitUntil(lambda: not dialog.running, timeout=30000)
    assert dialog.result is not None and out.is_file(), dialog.status.text()
    assert dialog.progress.value() == 1000
    assert not dialog.open_button.isHidden() and not dialog.show_button.isHidden()
    assert dialog.start_button.isEnabled()

    # The same name again: the dialog asks first; saying no writes nothing.
    from studio.ui.timeline.export_dialog import free_name

    asked = []
    dialog.confirm_overwrite = lambda path: asked.append(path) or None
    written = out.stat().st_mtime_ns
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert asked == [out] and not dialog.running and out.stat().st_mtime_ns == written
    assert "nothing was exported" in dialog.status.text().lower()
    assert free_name(out) == out.with_name("tiny-2.mp4")

    again = tmp_path / "out" / "cancelled.mp4"
    dialog.path.setText(str(again))
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.running, timeout=10000)
    assert "cancelled" in dialog.status.text() and not again.exists() and dialog.progress.isHidden()
    assert sorted(p.name for p in again.parent.iterdir()) == ["tiny.mp4"]  # no partial file either


def test_export_dialog_names_lines_without_takes(window, demo_copy, qtbot):
    from studio.ui.timeline.export_dialog import open_export

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


def _edge(view, clip_id, edge):
    item = view.items[clip_id]
    view.ensureVisible(item, 60, 0)
    r = item.rect()
    return view.mapFromScene(QPointF(r.left() + 2 if edge == "start" else r.right() - 2, r.center().y()))


def test_dragging_a_clip_edge_trims_it_snapping_to_the_playhead_with_undo(timeline_studio, qtbot):
    panel = timeline_studio.timeline
    view = panel.view
    clip_id = panel.timeline.track("voice")[1].id
    before = panel.timeline.clip(clip_id)
    panel.view.set_playhead(before.end - 0.45)  # the end edge is dragged 0.5 s left: it clings here

    edge = _edge(view, clip_id, "end")
    qtbot.mouseMove(view.viewport(), edge)
    assert view.items[clip_id].cursor().shape() == Qt.CursorShape.SizeHorCursor  # says it will trim
    _drag(qtbot, view, edge, -0.5)
    trimmed = panel.timeline.clip(clip_id)
    assert trimmed.start == before.start and trimmed.in_point == before.in_point
    assert trimmed.end == pytest.approx(before.end - 0.45) and trimmed.placed
    assert load_timeline(timeline_studio.project).clip(clip_id).end == pytest.approx(trimmed.end)

    # The start edge: the head of the take is cut, the end stays.
    _drag(qtbot, view, _edge(view, clip_id, "start"), 0.3)
    cut = panel.timeline.clip(clip_id)
    assert cut.in_point == pytest.approx(0.3, abs=0.03) and cut.end == pytest.approx(trimmed.end)
    assert cut.start == pytest.approx(before.start + cut.in_point)

    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert panel.timeline.clip(clip_id) == before


def test_stretching_an_image_lays_the_next_scene_after_it(timeline_studio, qtbot):
    panel = timeline_studio.timeline
    first, second = panel.timeline.track("image")[:2]
    _drag(qtbot, panel.view, _edge(panel.view, first.id, "end"), 0.6)
    stretched = panel.timeline.clip(first.id)
    assert stretched.end == pytest.approx(first.end + 0.6, abs=0.05) and stretched.placed
    after = panel.timeline.clip_for(second.ref, "image")
    assert after.start == pytest.approx(stretched.end) and after.end == pytest.approx(second.end)
    panel.rebuild()  # a later re-layout keeps it
    assert panel.timeline.clip(first.id).end == pytest.approx(stretched.end)


def test_gap_controls_lay_the_lines_out_again(timeline_studio, qtbot):
    panel = timeline_studio.timeline
    voice = panel.timeline.track("voice")
    panel.controls.gap.setValue(1.0)  # the gap between every two lines
    spaced = panel.timeline.track("voice")
    assert panel.timeline.gap == 1.0
    assert all(b.start == pytest.approx(a.end + 1.0) for a, b in zip(spaced, spaced[1:]))

    _click_clip(qtbot, panel.view, voice[2].id)
    assert panel.controls.pages.currentWidget() is panel.controls.page["voice"]
    assert panel.controls.line_gap.value() == pytest.approx(1.0)
    panel.controls.line_gap.setValue(2.5)  # only before the third line; the lines after it follow
    after = panel.timeline.track("voice")
    assert after[2].start == pytest.approx(after[1].end + 2.5)
    assert after[3].start == pytest.approx(after[2].end + 1.0)
    assert load_timeline(timeline_studio.project).gap_before(voice[2].ref) == 2.5

    panel.undo()
    panel.undo()
    assert [c.start for c in panel.timeline.track("voice")] == pytest.approx([c.start for c in voice])
    assert panel.controls.gap.value() == pytest.approx(panel.timeline.gap)  # the strip shows the undone value


def test_steps_of_one_control_in_quick_succession_are_one_undo(timeline_studio, qtbot):
    panel = timeline_studio.timeline
    voice = panel.timeline.track("voice")
    gap = panel.controls.gap
    for _ in range(4):  # a spin box held down
        gap.stepUp()
    assert panel.timeline.gap == pytest.approx(voice[1].start - voice[0].end + 4 * gap.singleStep())
    panel.undo()  # one undo puts back the gap from before the first step
    assert [c.start for c in panel.timeline.track("voice")] == pytest.approx([c.start for c in voice])
    assert not panel.can_undo


def test_music_ducking_and_fade_controls_change_the_timeline(timeline_studio, qtbot):
    win, panel = timeline_studio, timeline_studio.timeline
    folder = win.project.folder
    t = np.arange(44100 * 4) / 44100
    soundfile.write(folder / "bed.wav", (0.2 * np.sin(2 * np.pi * 110 * t)).astype(np.float32), 44100)
    with open(folder / "stitch.toml", "a", encoding="utf-8") as toml:
        toml.write('\n[timeline]\nmusic = "bed.wav"\n')
    panel.rebuild()
    music = panel.timeline.track("music")[0]

    _click_clip(qtbot, panel.view, music.id)
    controls = panel.controls
    assert controls.pages.currentWidget() is controls.page["music"]
    controls.duck.setValue(-20.0)
    controls.attack.setValue(0.3)
    controls.release.setValue(0.8)
    assert (panel.timeline.ducking.amount_db, panel.timeline.ducking.attack, panel.timeline.ducking.release) == (
        -20.0, 0.3, 0.8)
    controls.fade_in.setValue(0.5)
    controls.fade_out.setValue(1.5)
    faded = panel.timeline.clip(music.id)
    assert (faded.fade_in, faded.fade_out) == (0.5, 1.5)
    assert load_timeline(win.project).ducking.amount_db == -20.0

    controls.fade_out.setValue(30.0)  # longer than the clip: refused with a sentence, the old value shown again
    assert panel.timeline.clip(music.id).fade_out == 1.5 and controls.fade_out.value() == 1.5
    assert "longer than the clip" in win.status.message.text()
    panel.undo()
    assert panel.timeline.clip(music.id).fade_out == music.fade_out


def test_framing_controls_change_what_the_preview_shows(timeline_studio, qtbot):
    win, panel = timeline_studio, timeline_studio.timeline
    image = panel.timeline.track("image")[1]
    _click_clip(qtbot, panel.view, image.id)
    controls = panel.controls
    # The script goes to the scene's first line, and the image stays selected here with its framing shown.
    assert win.editor.current_line() == win.project.scenes[1].lines[0].id and panel.view.selected == image.id
    assert controls.pages.currentWidget() is controls.page["image"]
    assert (controls.start_zoom.value(), controls.end_zoom.value()) == (1.0, 1.08)  # the default slow zoom in

    panel.seek(image.start)
    assert panel.preview.clip.id == image.id and panel.preview.framing == pytest.approx((0, 0, 1, 1))
    controls.start_zoom.setValue(1.5)
    controls.direction.setCurrentIndex(controls.direction.findData("left to right"))
    assert panel.timeline.clip(image.id).pan_zoom == PanZoom.framing(1.5, 1.08, "left to right")
    assert panel.preview.framing == pytest.approx(PanZoom.framing(1.5, 1.08, "left to right").start_rect)
    qtbot.waitUntil(lambda: panel.preview.ready, timeout=5000)
    assert panel.preview.source_rect().width() < panel.preview.pictures[image.source].image.width() / 1.4

    # Scrubbing along the ruler moves the preview with the playhead.
    view = panel.view
    _drag(qtbot, view, view.mapFromScene(QPointF(LEFT + 0.5 * view.scale_px, 8)), image.start)
    assert panel.preview.time == pytest.approx(image.start + 0.5, abs=0.05)
    assert panel.preview.time == view.playhead and panel.preview.clip.id == image.id
    assert panel.preview.framing[0] > 0.0  # on its way to the right


def test_screenshot_of_the_timeline_with_the_preview(timeline_studio, qtbot, artifacts_dir):
    win, panel = timeline_studio, timeline_studio.timeline
    first = panel.timeline.track("image")[0]
    panel.set_framing(first.id, 1.6, 1.2, "left to right")
    ids = win.editor.line_ids()
    win.editor.select_line(ids[1])
    cue = next(c for c in panel.cues if c.start > 2.0)
    panel.seek((cue.start + cue.end) / 2)
    win.resize(1400, 900)
    qtbot.waitUntil(lambda: panel.preview.ready and len(panel.view.thumbnails) == len(panel.timeline.track("image")),
                    timeout=5000)
    assert panel.preview.caption == cue.text and panel.preview.isVisible()
    qtbot.wait(50)
    assert win.grab().save(str(artifacts_dir / "timeline-preview.png"))


def test_export_dialog_offers_a_quick_look_and_names_the_file_for_it(window, demo_copy):
    from studio.ui.timeline.export_dialog import open_export

    assert window.open_folder(demo_copy)
    dialog = open_export(window)
    final = dialog.path.text()
    assert final.endswith(".mp4") and "-quick" not in final
    dialog.quality.setCurrentIndex(dialog.quality.findData("quick"))
    assert dialog.path.text() == final[:-len(".mp4")] + "-quick.mp4"
    assert [dialog.encoder.itemData(i) for i in range(dialog.encoder.count())] == ["libx264", "fastest"]
