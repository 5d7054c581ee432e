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
