"""The Music lane from the window (Add music…, Remove music: stitch.toml's `[timeline] music`
by reference, undoable) and a timeline that repaints cleanly after scrolling and zooming."""

from __future__ import annotations

import hashlib
import tomllib

import numpy as np
import soundfile
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QFileDialog


def _bed(path, seconds=4.0, level=0.2):
    t = np.arange(int(44100 * seconds)) / 44100
    soundfile.write(path, (level * np.sin(2 * np.pi * 110 * t)).astype(np.float32), 44100)


def _toml_music(folder):
    return tomllib.loads((folder / "stitch.toml").read_text(encoding="utf-8")).get("timeline", {}).get("music")


def _music_lane_point(view):
    from studio.ui.timeline.tracks import LEFT, TRACK_HEIGHT, track_top

    return view.mapFromScene(LEFT + 40, track_top("music") + TRACK_HEIGHT["music"] / 2)


def test_add_music_from_the_lane_menu_by_reference_undoable(timeline_studio, qtbot, monkeypatch, artifacts_dir):
    win, panel = timeline_studio, timeline_studio.timeline
    folder = win.project.folder
    (folder / "audio").mkdir()
    bed = folder / "audio" / "harbour-night.wav"  # a name the folder scan would not pick as music
    _bed(bed)
    digest = hashlib.sha256(bed.read_bytes()).hexdigest()
    assert not panel.timeline.track("music")

    # A right-click on the Music lane asks for the lane's menu.
    asked = []
    panel.view.lane_menu.disconnect()
    panel.view.lane_menu.connect(lambda track, where: asked.append(track))
    at = _music_lane_point(panel.view)
    QApplication.sendEvent(panel.view.viewport(), QContextMenuEvent(QContextMenuEvent.Reason.Mouse, at,
                                                                   panel.view.viewport().mapToGlobal(at)))
    assert asked == ["music"]

    menu = panel.music_menu()
    texts = [a.text() for a in menu.actions()]
    assert texts == ["Add music…", "Remove music"] and not menu.actions()[1].isEnabled()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bed), "Sound files"))
    menu.actions()[0].trigger()

    music = panel.timeline.track("music")
    assert [c.source for c in music] == ["audio/harbour-night.wav"]  # by reference, where it lies
    assert _toml_music(folder) == "audio/harbour-night.wav"
    assert win.project.manifest.music == "audio/harbour-night.wav"
    assert hashlib.sha256(bed.read_bytes()).hexdigest() == digest and not (folder / "harbour-night.wav").exists()
    assert panel.undo_label == "Add music"
    qtbot.waitUntil(lambda: "audio/harbour-night.wav" in panel.view.peaks, timeout=5000)
    QApplication.processEvents()
    assert panel.view.items[music[0].id].isVisible()  # the Music lane shows it at once
    assert panel.dock.grab().save(str(artifacts_dir / "timeline-music-added.png"))

    panel.rebuild()  # a later layout (a new take, an edit) keeps it
    assert [c.source for c in panel.timeline.track("music")] == ["audio/harbour-night.wav"]

    # Remove music: stitch.toml says no music, so the next layout does not bring it back.
    menu = panel.music_menu()
    assert [a.text() for a in menu.actions()] == ["Replace music…", "Remove music"]
    menu.actions()[1].trigger()
    assert not panel.timeline.track("music") and _toml_music(folder) == ""
    panel.rebuild()
    assert not panel.timeline.track("music")
    assert bed.exists()

    panel.undo()  # back to the music, in stitch.toml too
    assert _toml_music(folder) == "audio/harbour-night.wav" and panel.timeline.track("music")
    panel.undo()  # back to no music line at all
    assert _toml_music(folder) is None and not panel.timeline.track("music")
    panel.redo()
    assert _toml_music(folder) == "audio/harbour-night.wav" and panel.timeline.track("music")


def test_add_music_from_the_file_menu_and_refusals(timeline_studio, monkeypatch, tmp_path):
    win, panel = timeline_studio, timeline_studio.timeline
    folder = win.project.folder
    file_menu = next(a.menu() for a in win.menuBar().actions() if a.text() == "&File")
    texts = [a.text() for a in file_menu.actions()]
    assert "Add &Music…" in texts and "Remove M&usic" in texts

    outside = tmp_path / "elsewhere.wav"
    _bed(outside)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(outside), ""))
    panel.add_music_action.trigger()
    assert not panel.timeline.track("music") and "outside the project folder" in win.status.message.text()

    (folder / "notes.txt").write_text("not music", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(folder / "notes.txt"), ""))
    panel.add_music_action.trigger()
    assert not panel.timeline.track("music") and "not a sound file" in win.status.message.text()

    _bed(folder / "theme.wav")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(folder / "theme.wav"), ""))
    panel.add_music_action.trigger()
    assert [c.source for c in panel.timeline.track("music")] == ["theme.wav"]
    panel.remove_music_action.trigger()
    assert not panel.timeline.track("music")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: ("", ""))  # cancelled: nothing changes
    panel.add_music_action.trigger()
    assert not panel.timeline.track("music") and _toml_music(folder) == ""


def _on_screen(widget):
    """What the window really shows (the backing store, scrolled pixels and all), not a fresh paint."""
    QApplication.processEvents()
    window = widget.window()
    shot = window.windowHandle().screen().grabWindow(window.winId()).toImage()
    top_left = widget.mapTo(window, QPoint(0, 0))
    ratio = shot.width() / max(1, window.width())
    return shot.copy(int(top_left.x() * ratio), int(top_left.y() * ratio),
                     int(widget.width() * ratio), int(widget.height() * ratio))


def _differing(a, b) -> float:
    """The share of pixels that differ between two images of one size."""
    from PySide6.QtGui import QImage

    a, b = (i.convertToFormat(QImage.Format.Format_RGB32) for i in (a, b))
    assert a.size() == b.size()
    x = np.frombuffer(a.constBits(), np.uint8).reshape(a.height(), a.bytesPerLine())
    y = np.frombuffer(b.constBits(), np.uint8).reshape(b.height(), b.bytesPerLine())
    return float(np.mean(np.any(x.reshape(a.height(), -1, 4) != y.reshape(b.height(), -1, 4), axis=2)))


def test_scrolling_and_zooming_leave_no_repaint_artefacts(timeline_studio, qtbot, artifacts_dir):
    from studio.ui.timeline.tracks import LEFT, RULER

    win, panel = timeline_studio, timeline_studio.timeline
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    view = panel.view
    view.set_scale(160.0)  # wide enough to scroll
    bar = view.horizontalScrollBar()
    bar.setValue(0)
    assert bar.maximum() > 300
    viewport = view.viewport()
    labels = lambda img: img.copy(0, RULER + 2, LEFT - 4, img.height() - RULER - 2)  # noqa: E731
    ruler = lambda img: img.copy(0, 0, img.width(), RULER)  # noqa: E731
    before = _on_screen(viewport)
    before.save(str(artifacts_dir / "timeline-before-scrolling.png"))

    worst = 0.0
    for value in list(range(0, bar.maximum(), 37)) + [bar.maximum()] + list(range(bar.maximum(), -1, -53)) + [0]:
        bar.setValue(value)
        shown = _on_screen(viewport)
        worst = max(worst, _differing(labels(shown), labels(before)))  # the lane names never move
        fresh = viewport.grab().toImage()  # the whole view painted afresh at this position
        if _differing(ruler(shown), ruler(fresh)) >= 0.002:
            shown.save(str(artifacts_dir / "timeline-garbled.png"))
            raise AssertionError(f"the ruler is garbled after scrolling to {value}")
    shown = _on_screen(viewport)
    shown.save(str(artifacts_dir / "timeline-after-scrolling.png"))
    assert worst < 0.002, f"lane labels drawn over themselves ({worst:.1%} of the pixels differ)"
    assert _differing(ruler(shown), ruler(before)) < 0.002

    for _ in range(3):  # zoom in and out, then back to the start
        view.zoom(1.25)
        bar.setValue(bar.maximum() // 2)
        _on_screen(viewport)
    for _ in range(3):
        view.zoom(0.8)
        _on_screen(viewport)
    view.set_scale(160.0)
    bar.setValue(0)
    shown = _on_screen(viewport)
    shown.save(str(artifacts_dir / "timeline-after-zooming.png"))
    assert _differing(labels(shown), labels(before)) < 0.002
    assert _differing(ruler(shown), ruler(before)) < 0.002
