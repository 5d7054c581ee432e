"""Cleanup by hand: the box drawn and the frame dragged reach the cleanup in the picture's
pixels (on a non-square picture), Enter applies and Esc cancels; thumbnails are read off
the UI thread, behind placeholders, and cached by (path, mtime, size)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt

from studio.jobs import imaging
from studio.ui.images import panel as image_panel, thumbs as image_thumbs


@pytest.fixture
def panel(studio, qtbot):
    studio.editor.select_line(studio.project.lines[0].id)
    qtbot.waitUntil(lambda: studio.images.scene_id == studio.project.scenes[0].id, timeout=2000)
    return studio.images


@pytest.fixture
def cleanup_calls(monkeypatch):
    """What the panel hands to the cleanup (the real one still runs)."""
    calls = []
    real = imaging.cleanup

    def spy(folder, store, scene_id, source, operation, state, fmt="16:9", focus=(0.5, 0.5), rect=None, engine=None):
        calls.append({"operation": operation, "source": source.id, "rect": rect, "focus": focus, "fmt": fmt})
        assert engine is not None and engine.id == "opencv"  # the routed engine, from the registry
        return real(folder, store, scene_id, source, operation, state, fmt=fmt, focus=focus, rect=rect, engine=engine)

    monkeypatch.setattr(imaging, "cleanup", spy)
    return calls


def _picture(panel, name: str, pixels: np.ndarray):
    Image.fromarray(pixels).save(panel.project.folder / name)
    panel.add_picture(name)
    return panel.selected_take()


def _at(view, fx: float, fy: float) -> QPoint:
    """The screen point over the picture's (fx, fy) fraction of its width and height."""
    shown = view.picture_rect()
    return QPoint(round(shown.x() + fx * shown.width()), round(shown.y() + fy * shown.height()))


def _open(panel, qtbot, operation):
    dialog = panel.cleanup(operation)
    qtbot.waitUntil(lambda: dialog.view.ready, timeout=5000)
    qtbot.waitExposed(dialog)
    return dialog


def _cleanup_take(panel, qtbot, before: int):
    qtbot.waitUntil(lambda: not panel._keys and len(panel.project.images_for(panel.scene_id)) == before + 1, timeout=10000)
    newest = panel.project.images_for(panel.scene_id)[0]
    assert newest.kind == "cleanup" and panel.selected_take().id == newest.id
    return newest


def test_drawn_box_reaches_remove_background_in_picture_pixels(panel, qtbot, cleanup_calls, artifacts_dir):
    pixels = np.full((200, 400, 3), 235, np.uint8)  # a wide picture: 2:1
    pixels[60:150, 150:260] = (200, 40, 40)
    source = _picture(panel, "wide.png", pixels)
    before = len(panel.project.images_for(panel.scene_id))
    dialog = _open(panel, qtbot, "remove_background")
    view = dialog.view
    assert view.size_px == (400, 200)
    shown = view.picture_rect()
    assert shown.width() / shown.height() == pytest.approx(2.0, abs=0.01)
    x, y, w, h = view.subject_rect()  # it starts on the automatic guess around the red block
    assert x <= 150 and y <= 60 and x + w >= 260 and y + h >= 150 and w < 200
    dialog.grab().save("/tmp/stitch-cleanup-remove-background-auto.png")

    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=_at(view, 0.3, 0.2))
    qtbot.mouseMove(view, _at(view, 0.5, 0.5))
    qtbot.mouseMove(view, _at(view, 0.7, 0.85))
    dialog.grab().save(str(artifacts_dir / "image_cleanup_box.png"))
    dialog.grab().save("/tmp/stitch-cleanup-remove-background.png")
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=_at(view, 0.7, 0.85))
    slack = 400 / shown.width() + 1  # one screen pixel, in the picture's pixels
    drawn = view.subject_rect()
    for got, want in zip(drawn, (120, 40, 160, 130)):
        assert abs(got - want) <= slack

    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=_at(view, 0.1, 0.1))  # a click keeps the box
    assert view.subject_rect() == drawn
    qtbot.keyClick(view, Qt.Key.Key_Return)
    take = _cleanup_take(panel, qtbot, before)
    assert cleanup_calls == [{"operation": "remove_background", "source": source.id, "rect": drawn,
                              "focus": (0.5, 0.5), "fmt": "16:9"}]
    assert take.source == source.id and take.request["rect"] == list(drawn)
    assert panel.grid.currentItem().toolTip().startswith(f"Remove background inside the box {drawn[2]}×{drawn[3]}")
    with Image.open(panel.project.folder / take.path) as result:
        alpha = np.asarray(result.convert("RGBA"))[:, :, 3]
    assert alpha[100, 200] == 255 and alpha[10, 10] == 0 and alpha[190, 390] == 0


def test_dragged_frame_and_arrow_keys_set_the_focus_of_fit_to_format(panel, qtbot, cleanup_calls):
    rows = np.repeat(np.arange(400)[:, None] * 255 // 399, 200, axis=1).astype(np.uint8)
    pixels = np.dstack([rows, 255 - rows, np.full_like(rows, 90)])  # tall 1:2, a ramp from top to bottom
    source = _picture(panel, "tall.png", pixels)
    before = len(panel.project.images_for(panel.scene_id))
    dialog = _open(panel, qtbot, "fit_to_format")
    view = dialog.view
    assert view.frame() == (0, 144, 200, 112)  # 16:9 across the full width, centred
    shown = view.picture_rect()
    assert shown.height() / shown.width() == pytest.approx(2.0, abs=0.01)

    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=_at(view, 0.2, 0.05))  # outside: the frame jumps there
    assert view.frame() == (0, 0, 200, 112)  # clamped to the top edge
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=_at(view, 0.5, 0.1))  # inside: grabbed, it follows
    qtbot.mouseMove(view, _at(view, 0.9, 0.5))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=_at(view, 0.9, 0.5))
    slack = 400 / shown.height() + 1
    assert view.frame()[0] == 0 and abs(view.frame()[1] - (0.4 * 400)) <= slack  # moved by 0.4 of the height
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=_at(view, 0.5, 0.5))
    qtbot.mouseMove(view, _at(view, 0.5, 1.5))  # far below the picture: clamped to the bottom edge
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=_at(view, 0.5, 1.5))
    assert view.frame() == (0, 288, 200, 112) and view.focus() == pytest.approx((0.5, 344 / 400))

    qtbot.keyClick(view, Qt.Key.Key_Up)
    qtbot.keyClick(view, Qt.Key.Key_Up)  # 1% of the longer side a press
    qtbot.keyClick(view, Qt.Key.Key_Up, Qt.KeyboardModifier.ShiftModifier)  # 10%
    assert view.focus() == pytest.approx((0.5, (344 - 8 - 40) / 400))
    assert view.frame() == (0, 240, 200, 112)
    dialog.grab().save("/tmp/stitch-cleanup-fit.png")
    qtbot.keyClick(view, Qt.Key.Key_Enter)
    take = _cleanup_take(panel, qtbot, before)
    assert [c["focus"] for c in cleanup_calls] == [pytest.approx((0.5, 0.74))]
    assert take.source == source.id and take.request["focus"] == [0.5, 0.74]
    assert panel.grid.currentItem().toolTip().startswith("Fit to format to 16:9 around 50% across, 74% down")
    with Image.open(panel.project.folder / take.path) as result:
        assert np.array_equal(np.asarray(result.convert("RGB")), pixels[240:352])


def test_escape_cancels_without_a_cleanup(panel, qtbot, cleanup_calls):
    _picture(panel, "wide.png", np.full((100, 300, 3), 120, np.uint8))
    before = len(panel.project.images_for(panel.scene_id))
    dialog = _open(panel, qtbot, "remove_background")
    qtbot.mousePress(dialog.view, Qt.MouseButton.LeftButton, pos=_at(dialog.view, 0.2, 0.2))
    qtbot.mouseRelease(dialog.view, Qt.MouseButton.LeftButton, pos=_at(dialog.view, 0.6, 0.6))
    with qtbot.waitSignal(dialog.rejected, timeout=2000):
        qtbot.keyClick(dialog.view, Qt.Key.Key_Escape)
    qtbot.wait(50)
    assert cleanup_calls == [] and not panel._keys
    assert len(panel.project.images_for(panel.scene_id)) == before


@pytest.fixture
def thumbnail_reads(monkeypatch):
    """Every thumbnail read, with whether it ran on the UI thread; reads wait for `gate`."""
    reads: list[tuple[str, bool]] = []
    gate = threading.Event()
    real = image_thumbs.read_thumbnail

    def spy(path, box):
        gate.wait(10)
        reads.append((path.name, threading.current_thread() is threading.main_thread()))
        return real(path, box)

    monkeypatch.setattr(image_thumbs, "read_thumbnail", spy)
    yield reads, gate
    gate.set()


def _is_placeholder(panel, row: int) -> bool:
    return panel.grid.item(row).icon().cacheKey() == panel.thumbs.placeholder.cacheKey()


def test_thumbnails_are_read_off_the_ui_thread_behind_placeholders(panel, qtbot, thumbnail_reads):
    reads, gate = thumbnail_reads
    names = [f"photo-{i:02}.png" for i in range(16)]
    ramp = np.linspace(0, 255, 1600, dtype=np.uint8)
    for i, name in enumerate(names):
        big = np.dstack([np.tile(ramp, (1000, 1)), np.full((1000, 1600), 16 * i, np.uint8), np.tile(ramp[::-1], (1000, 1))])
        Image.fromarray(big).save(panel.project.folder / name, compress_level=1)
        panel.project.add_creator_image(panel.scene_id, name)
    panel.refresh()
    assert panel.grid.count() == 16
    assert all(_is_placeholder(panel, row) for row in range(16)) and reads == []
    panel.refresh()  # a second fill while they load asks for nothing twice
    gate.set()
    qtbot.waitUntil(lambda: not any(_is_placeholder(panel, row) for row in range(16)), timeout=20000)
    assert sorted(name for name, _ in reads) == names
    assert not any(on_ui for _, on_ui in reads)
    icon = panel.grid.item(0).icon()
    assert not icon.isNull() and max(icon.availableSizes()[0].width(), icon.availableSizes()[0].height()) <= 132

    panel.refresh()  # cached: shown at once, nothing read again
    assert not any(_is_placeholder(panel, row) for row in range(16)) and len(reads) == 16
    changed = panel.project.folder / names[3]
    Image.fromarray(np.zeros((90, 160, 3), np.uint8)).save(changed)  # changed in place: read again
    panel.refresh()
    qtbot.waitUntil(lambda: len(reads) == 17, timeout=5000)
    assert reads[-1][0] == names[3]
    assert panel.thumbs.wait(5000)


def test_thumbnails_for_a_closed_project_are_dropped(panel, qtbot, thumbnail_reads):
    reads, gate = thumbnail_reads
    Image.fromarray(np.full((300, 500, 3), 90, np.uint8)).save(panel.project.folder / "late.png")
    panel.add_picture("late.png")
    assert panel.grid.count() == 1 and _is_placeholder(panel, 0)
    key = panel.grid.item(0).data(image_panel.THUMB_KEY)
    panel.bind(None)
    gate.set()
    assert panel.thumbs.wait(5000)
    qtbot.wait(50)  # the queued arrival is delivered, and ignored
    assert panel.thumbs.icon(key) is None and panel.grid.count() == 0
