"""The Media dock: the folder's pictures (thumbnails) and sound files, dragged onto the Images
panel, the timeline's picture lane and the Music lane. The drops go through the real drop
handlers (QDragEnterEvent, QDropEvent with the bin's own QMimeData); each file is used where
it lies, and each drop is undone by Undo."""

from __future__ import annotations

import os

import numpy as np
import pytest
import soundfile
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from studio.ui.timeline.tracks import LEFT, TRACK_HEIGHT, track_top


@pytest.fixture
def media_studio(window, demo_copy, registry, qtbot):
    from studio.cli.command import render_project

    Image.new("RGB", (640, 360), (200, 40, 40)).save(demo_copy / "harbour.png")
    (demo_copy / "pics").mkdir()
    Image.new("RGB", (360, 640), (40, 60, 200)).save(demo_copy / "pics" / "portrait.jpg")
    (demo_copy / "audio").mkdir()
    t = np.arange(44100 * 2) / 44100
    soundfile.write(demo_copy / "audio" / "bed.wav", (0.1 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 44100)
    (demo_copy / "stitch.toml").write_text((demo_copy / "stitch.toml").read_text() + '\n[timeline]\nmusic = ""\n')
    with open(os.devnull, "w") as quiet:
        assert render_project(demo_copy, registry=registry, out=quiet) == 0
    assert window.open_folder(demo_copy)
    qtbot.waitUntil(lambda: window.timeline.timeline is not None, timeout=3000)
    window.resize(1366, 768)
    window.media.dock.raise_()
    return window


def _drop(target, point: QPoint, mime) -> bool:
    """A drag entering `target` at `point`, moving, then dropped: what a mouse drag delivers."""
    actions = Qt.DropAction.CopyAction | Qt.DropAction.LinkAction
    enter = QDragEnterEvent(point, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, enter)
    if not enter.isAccepted():
        return False
    move = QDragMoveEvent(point, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, move)
    if not move.isAccepted():
        return False
    drop = QDropEvent(QPointF(point), actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, drop)
    return drop.isAccepted()


def _dragged(window, relative):
    bin_ = window.media
    item = bin_.item_for(relative)
    assert item is not None, f"{relative} is not in the Media dock"
    return bin_.list.mimeData([item])


def _lane_point(view, track: str, t: float) -> QPoint:
    scene_point = QPointF(LEFT + t * view.scale_px, track_top(track) + TRACK_HEIGHT[track] / 2)
    return view.mapFromScene(scene_point)


def test_the_bin_lists_the_folders_pictures_with_thumbnails_and_its_sounds(media_studio, qtbot, artifacts_dir):
    bin_ = media_studio.media
    qtbot.waitUntil(lambda: not bin_.thumbs.busy, timeout=5000)
    names = [bin_.list.item(r).data(Qt.ItemDataRole.UserRole + 1) for r in range(bin_.list.count())]
    assert names == ["harbour.png", "pics/portrait.jpg", "audio/bed.wav"]
    picture = bin_.item_for("harbour.png")
    shown = picture.icon().pixmap(56, 56).toImage()
    colour = shown.pixelColor(shown.width() // 2, shown.height() // 2)
    assert (colour.red(), colour.green(), colour.blue()) == (200, 40, 40)  # the thumbnail, not a placeholder
    assert "2 pictures, 1 sound file" in bin_.count_label.text()
    for size in ((1366, 768), (1920, 1080)):
        media_studio.resize(*size)
        qtbot.wait(50)
        assert media_studio.grab().save(str(artifacts_dir / f"media-bin-{size[0]}x{size[1]}.png"))


def test_a_picture_dropped_on_the_images_panel_becomes_the_scenes_image(media_studio, qtbot):
    win = media_studio
    project, panel = win.project, win.images
    scene = project.scenes[0].id
    panel.show_scene(scene)
    before = project.chosen_image(scene)
    assert _drop(panel.grid.viewport(), panel.grid.viewport().rect().center(), _dragged(win, "pics/portrait.jpg"))
    chosen = project.chosen_image(scene)
    assert chosen is not None and chosen.path == "pics/portrait.jpg" and chosen.by_reference
    assert panel.selected_take().id == chosen.id
    assert (project.folder / "pics" / "portrait.jpg").is_file()  # used where it lies
    assert not (project.folder / "renders" / "portrait.jpg").exists()
    qtbot.waitUntil(lambda: win.timeline.timeline.clip(f"image:{scene}").source == "pics/portrait.jpg", timeout=3000)
    assert project.undo()
    assert project.chosen_image(scene) == before
    assert all(t.path != "pics/portrait.jpg" for t in project.images_for(scene))
    assert (project.folder / "pics" / "portrait.jpg").is_file()


def test_a_picture_dropped_on_the_picture_lane_goes_to_the_scene_under_it(media_studio, qtbot):
    win = media_studio
    project, view = win.project, win.timeline.view
    second = win.timeline.timeline.track("image")[1]
    point = _lane_point(view, "image", (second.start + second.end) / 2)
    assert _drop(view.viewport(), point, _dragged(win, "harbour.png"))
    assert project.chosen_image(second.ref).path == "harbour.png"
    qtbot.waitUntil(lambda: win.timeline.timeline.clip(second.id).source == "harbour.png", timeout=3000)
    # A sound is not a picture: the picture lane does not take it.
    assert not _drop(view.viewport(), point, _dragged(win, "audio/bed.wav"))
    assert project.undo()
    qtbot.waitUntil(lambda: win.timeline.timeline.clip(second.id).source != "harbour.png", timeout=3000)


def test_a_sound_dropped_on_the_music_lane_is_the_music_bed_and_undo_takes_it_back(media_studio, qtbot):
    from studio.project.manifest import Manifest

    win = media_studio
    panel, view = win.timeline, win.timeline.view
    assert not panel.timeline.track("music")
    point = _lane_point(view, "music", 1.0)
    assert not _drop(view.viewport(), point, _dragged(win, "harbour.png"))  # a picture is not music
    assert _drop(view.viewport(), point, _dragged(win, "audio/bed.wav"))
    assert [c.source for c in panel.timeline.track("music")] == ["audio/bed.wav"]
    assert Manifest.load(win.project.folder).music == "audio/bed.wav"
    assert (win.project.folder / "audio" / "bed.wav").is_file()
    panel.undo()  # the timeline's own undo, as Edit ▸ Undo with the tracks focused
    assert not panel.timeline.track("music")
    assert Manifest.load(win.project.folder).music == ""
